// Quick fuzzing of the binary formats, the model folder's JSON files, and whole folders through the CLI.
import { expect, it } from 'vitest';
import { expectNoDefects, quickCases, quickFuzz } from './quick-fuzz.ts';

const BINARY = ['safetensors header', 'safetensors index', 'GGUF reader', 'imatrix (GGUF)', 'imatrix (legacy .dat)', 'config.json', 'generation_config.json'];

it(`${BINARY.join(', ')}: ${quickCases()} cases each end in acceptance or a clean error`, async () => {
  const reports = await quickFuzz(BINARY, quickCases());
  expect(reports.map((r) => r.target)).toEqual(BINARY);
  expectNoDefects(reports);
});

it(`CLI on mutated folders: ${quickCases(0.25)} cases each end in success or one clean line`, async () => {
  const reports = await quickFuzz(['CLI on mutated folders'], quickCases(0.25));
  expect(reports).toHaveLength(1);
  expectNoDefects(reports);
});
