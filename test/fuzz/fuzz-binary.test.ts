// Quick fuzzing of the binary formats and the model folder's JSON files.
import { quickFuzz } from './quick-fuzz.ts';

quickFuzz(['safetensors header', 'safetensors index', 'GGUF reader', 'imatrix (GGUF)', 'imatrix (legacy .dat)', 'config.json', 'generation_config.json']);
