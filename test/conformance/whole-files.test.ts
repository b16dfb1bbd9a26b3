// Whole files, byte for byte against llama.cpp's own llama-quantize, from the generated sources of
// mix-sources.ts (BF16 with GQA 4, F16 with GQA 1 and tied embeddings), quantized by llama-quantize
// from our BF16/F16 GGUF export and by `quant-studio quantize` from the safetensors folder:
// - a representative set of mixes in full, with and without an imatrix: the headers, the tensor
//   order and alignment, the imatrix metadata and each tensor's importance weights. Every mix's type
//   table is proven by mix-type-tables.test.ts and every type's bytes by random-rows-{blocks,iq}.test.ts;
// - every mix's header (its general.file_type above all), with every tensor written as F16 so that
//   no time goes into quantizing;
// - the refusal of a mix that needs an imatrix when none is given.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIX_NAMES, type MixName } from '../../src/core/recipe/mix-names.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { makeMixSources, type MixSources } from './mix-sources.ts';

/** The files compared in full: the common mixes, a policy rule (Q2_K_S), a low-bit i-quant mix, legacy blocks, and the 1- and 2-bit Q1_0/Q2_0. */
const FULL: { dtype: 'BF16' | 'F16'; mix: MixName; imatrix: boolean }[] = [
  { dtype: 'BF16', mix: 'Q4_K_M', imatrix: true },
  { dtype: 'BF16', mix: 'Q4_K_M', imatrix: false },
  { dtype: 'BF16', mix: 'Q2_K_S', imatrix: true },
  { dtype: 'BF16', mix: 'IQ2_XXS', imatrix: true },
  { dtype: 'BF16', mix: 'IQ4_NL', imatrix: false },
  { dtype: 'BF16', mix: 'Q8_0', imatrix: false },
  { dtype: 'F16', mix: 'Q4_K_M', imatrix: true },
  { dtype: 'F16', mix: 'Q5_1', imatrix: true },
  { dtype: 'F16', mix: 'Q2_0', imatrix: false },
  { dtype: 'BF16', mix: 'Q1_0', imatrix: true },
];

let s: MixSources;
beforeAll(async () => {
  s = await makeMixSources();
}, 600_000);
afterAll(() => s?.remove());

async function compare(tag: string, dtype: 'BF16' | 'F16', args: string[], mix: MixName): Promise<void> {
  const theirs = path.join(s.work, `${tag}.llama.gguf`);
  const ours = path.join(s.work, `${tag}.ours.gguf`);
  await runLlamaTool('llama-quantize', [...args, s.sources[dtype].gguf, theirs, mix, '2']);
  const r = await runCliInProcess(['quantize', s.sources[dtype].dir, '--type', mix, ...args, '--backend', 'cpu', '-o', ours]);
  expect(r.code, `${tag}: ${r.stderr}`).toBe(0);
  expect(await describeGgufDifference(ours, theirs), tag).toBeNull();
  await rm(ours);
  await rm(theirs);
}

describe('whole files against llama-quantize', () => {
  for (const { dtype, mix, imatrix } of FULL) {
    const tag = `${dtype}-${mix}${imatrix ? '-imatrix' : ''}`;
    it(`${dtype} source, ${mix}${imatrix ? ', imatrix' : ''}`, () => compare(tag, dtype, imatrix ? ['--imatrix', s.imatrix] : [], mix), 600_000);
  }

  it('every mix writes the header llama-quantize writes (tensors as F16)', async () => {
    const asF16 = ['--tensor-type', '.*=f16', '--output-tensor-type', 'f16', '--token-embedding-type', 'f16'];
    for (const mix of MIX_NAMES) await compare(`header-${mix}`, 'BF16', asF16, mix);
  }, 600_000);

  it('a mix that needs an imatrix is refused without one, as llama-quantize refuses it', async () => {
    const theirs = await runLlamaTool('llama-quantize', [s.sources.BF16.gguf, path.join(s.work, 'refused.gguf'), 'IQ2_XXS', '2']).then(() => null, (e: Error) => e);
    expect(String(theirs)).toMatch(/requires an imatrix/);
    const r = await runCliInProcess(['quantize', s.sources.BF16.dir, '--type', 'IQ2_XXS', '--backend', 'cpu', '-o', path.join(s.work, 'refused.ours.gguf')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/needs an importance matrix/);
  });
});
