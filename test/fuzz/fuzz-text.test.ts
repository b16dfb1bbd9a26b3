// Quick fuzzing of the text formats: tokenizer files, chat templates, recipes, tensor-type files,
// sensitivity tables and JSONL sets.
import { expect, it } from 'vitest';
import { expectNoDefects, quickCases, quickFuzz } from './quick-fuzz.ts';

const TEXT = ['tokenizer.json', 'chat template', 'recipe', 'tensor-type file', 'sensitivity table', 'calibration JSONL', 'choices JSONL'];

it(`${TEXT.join(', ')}: ${quickCases()} cases each end in acceptance or a clean error`, async () => {
  const reports = await quickFuzz(TEXT, quickCases());
  expect(reports.map((r) => r.target)).toEqual(TEXT);
  expectNoDefects(reports);
});
