// Quick fuzzing of the text formats: tokenizer files, chat templates, recipes, tensor-type files,
// sensitivity tables and JSONL sets.
import { quickFuzz } from './quick-fuzz.ts';

quickFuzz(['tokenizer.json', 'chat template', 'recipe', 'tensor-type file', 'sensitivity table', 'calibration JSONL', 'choices JSONL']);
