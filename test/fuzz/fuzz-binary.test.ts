// Quick fuzzing of the binary formats, the model folder's JSON files, and whole folders through the CLI.
import { quickFuzz } from './quick-fuzz.ts';

quickFuzz(['safetensors header', 'safetensors index', 'GGUF reader', 'imatrix (GGUF)', 'imatrix (legacy .dat)', 'config.json', 'generation_config.json']);
quickFuzz(['CLI on mutated folders'], 0.25);
