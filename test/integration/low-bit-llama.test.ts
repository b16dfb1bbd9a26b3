// Files of the Q1_0 and Q2_0 file types, and one with every matrix NVFP4, exported by the CLI,
// load and run in llama.cpp (node-llama-cpp 3.21.1): the file type it reports, next-token
// distributions that are finite and sum to 1, and NVFP4 (4.5 bits a weight) closer to the F32
// export than either 1- or 2-bit type.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { generateLlamaModel, Rng } from '../helpers/generate-model.ts';
import { readGguf } from '../helpers/gguf-read.ts';
import { getOfflineLlama, klDivergence, nextTokenDistributions } from '../helpers/llama.ts';
import { STORIES260K } from '../helpers/paths.ts';

const VARIANTS: Record<string, { args: string[]; fileType: number; matrixType: string }> = {
  F32: { args: ['--type', 'F32'], fileType: 0, matrixType: 'F32' },
  Q1_0: { args: ['--type', 'Q1_0'], fileType: 40, matrixType: 'Q1_0' },
  Q2_0: { args: ['--type', 'Q2_0'], fileType: 41, matrixType: 'Q2_0' },
  // No file type has NVFP4 for its default: every matrix by --tensor-type under Q8_0.
  NVFP4: { args: ['--type', 'Q8_0', '--pure', '--tensor-type', '.*=nvfp4'], fileType: 7, matrixType: 'NVFP4' },
};

let work: string;
const files: Record<string, string> = {};
const distributions: Record<string, Float32Array[]> = {};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'low-bit-llama-'));
  const dir = path.join(work, 'model');
  await generateLlamaModel(dir, { hidden: 256, intermediate: 512, layers: 2, heads: 4, kvHeads: 2, vocab: 512 }, { dtype: 'F32', seed: 4, tokenizerFrom: STORIES260K });
  for (const [name, v] of Object.entries(VARIANTS)) {
    files[name] = path.join(work, `${name}.gguf`);
    const r = await runCliInProcess(['quantize', dir, ...v.args, '--backend', 'cpu', '-o', files[name]]);
    if (r.code !== 0) throw new Error(`${name}: ${r.stderr}`);
  }
  const rng = new Rng(9);
  const tokens = Array.from({ length: 24 }, () => 3 + Math.floor(rng.uniform() * 500));
  const llama = await getOfflineLlama();
  for (const [name, file] of Object.entries(files)) {
    const model = await llama.loadModel({ modelPath: file });
    try {
      distributions[name] = await nextTokenDistributions(model, tokens);
    } finally {
      await model.dispose();
    }
  }
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('NVFP4, Q1_0 and Q2_0 files in llama.cpp', () => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    it(`${name}: the file type and matrix type written, finite distributions summing to 1`, async () => {
      const gguf = await readGguf(files[name]!);
      expect((gguf.parsed.metadata as Record<string, unknown>)['general.file_type']).toBe(v.fileType);
      expect(gguf.tensor('blk.0.ffn_up.weight')!.type).toBe(v.matrixType);
      for (const p of distributions[name]!) {
        expect(p.every(Number.isFinite)).toBe(true);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      }
    });
  }

  it('NVFP4 stays closer to the F32 export than the 1- and 2-bit types', () => {
    const kl = (name: string) => distributions[name]!.reduce((s, q, i) => s + klDivergence(distributions.F32![i]!, q), 0) / distributions[name]!.length;
    const [nvfp4, q2, q1] = [kl('NVFP4'), kl('Q2_0'), kl('Q1_0')];
    expect(nvfp4).toBeGreaterThan(0);
    expect(nvfp4, `KL NVFP4 ${nvfp4}, Q2_0 ${q2}, Q1_0 ${q1}`).toBeLessThan(Math.min(q1, q2));
  });
});
