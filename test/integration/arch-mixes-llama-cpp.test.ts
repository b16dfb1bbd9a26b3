// The mixes on the families llama.cpp quantizes by its generic rules under another architecture
// name: our `quantize` of the generated folder gives llama-quantize's bytes from our F16 export
// of it (F16 weights, so both read the same values). Each model is 256 wide, so the K-quants fit
// its attention and its 128-wide ffn_down takes llama-quantize's fallback.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as cli } from '../helpers/cli-in-process.ts';
import { generateArchModel, type ArchName } from '../helpers/generate-arch-model.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';

const CASES: { arch: ArchName; mixes: string[] }[] = [
  { arch: 'smollm3', mixes: ['Q4_K_M', 'Q2_K', 'IQ4_XS'] },
  { arch: 'olmo2', mixes: ['Q4_K_M'] },
  { arch: 'granite', mixes: ['Q5_K_S'] },
];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arch-mixes-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const { arch, mixes } of CASES) {
  describe(`${arch} mixes vs llama-quantize`, () => {
    const folder = () => path.join(dir, `${arch}-tiny-random`);
    const f16 = () => path.join(dir, `${arch}-F16.gguf`);
    beforeAll(async () => {
      await generateArchModel(arch, folder(), { dtype: 'F16', seed: 9, hidden: 256 });
      const r = await cli(['quantize', folder(), '--type', 'F16', '--backend', 'cpu', '-o', f16()]);
      expect(r.code, r.stderr).toBe(0);
    }, 120_000);

    for (const mix of mixes) {
      it(`${mix}: byte-identical`, async () => {
        const ours = path.join(dir, `${arch}-ours-${mix}.gguf`);
        const theirs = path.join(dir, `${arch}-theirs-${mix}.gguf`);
        const r = await cli(['quantize', folder(), '--type', mix, '--backend', 'cpu', '-o', ours]);
        expect(r.code, r.stderr).toBe(0);
        await runLlamaTool('llama-quantize', [f16(), theirs, mix, '2']);
        const [a, b] = await Promise.all([readFile(ours), readFile(theirs)]);
        expect(a.length).toBe(b.length);
        expect(Buffer.compare(a, b)).toBe(0);
        await rm(ours);
        await rm(theirs);
      }, 120_000);
    }
  });
}
