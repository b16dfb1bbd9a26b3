// Whole files, byte for byte against llama.cpp's own llama-quantize: a generated Llama model
// (dimensions multiples of 256) saved as BF16 and F16 safetensors, converted by our code to a
// BF16/F16 GGUF that llama-quantize reads, then quantized with every mix, with and without an
// importance matrix, by llama-quantize and by `quant-studio quantize` from the safetensors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIX_NAMES, type MixName } from '../../src/core/recipe/llama-mixes.ts';
import { runCli } from '../helpers/cli.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { generateLlamaModel, type GeneratedDtype } from '../helpers/generate-model.ts';
import { randomImatrix, writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K } from '../helpers/paths.ts';

/** 8 layers, so the first/last-eighth and every-third-layer bumps of the mixes all occur; GQA 4. */
const SHAPE = { hidden: 256, intermediate: 768, layers: 8, heads: 4, kvHeads: 1, vocab: 512, tied: false };
/** The F16 model has no grouped KV heads (GQA 1) and tied embeddings: the other branch of the attn_v and output rules. */
const F16_SHAPE = { ...SHAPE, kvHeads: 4, tied: true };
/** The mixes the F16 pass re-checks (the BF16 pass runs them all): those whose rules read the GQA factor, and a few more. */
const F16_MIXES: MixName[] = ['Q8_0', 'Q4_K_M', 'Q2_K', 'Q2_K_S', 'IQ3_XXS', 'IQ3_S', 'IQ4_NL', 'IQ4_XS', 'IQ2_S', 'Q5_1'];

let work: string;
const sources: Partial<Record<GeneratedDtype, { dir: string; gguf: string }>> = {};
let imatrixPath: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'conformance-files-'));
  for (const dtype of ['BF16', 'F16'] as const) {
    const dir = path.join(work, `model-${dtype}`);
    await generateLlamaModel(dir, dtype === 'BF16' ? SHAPE : F16_SHAPE, { dtype, seed: dtype === 'BF16' ? 7 : 8, tokenizerFrom: STORIES260K });
    const gguf = path.join(work, `model-${dtype}.gguf`);
    const r = await runCli(['quantize', dir, '--type', dtype, '--backend', 'cpu', '-o', gguf]);
    if (r.code !== 0) throw new Error(r.stderr);
    sources[dtype] = { dir, gguf };
  }
  const columns = new Map<string, number>();
  for (let i = 0; i < SHAPE.layers; i++) {
    for (const t of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up']) columns.set(`blk.${i}.${t}.weight`, SHAPE.hidden);
    columns.set(`blk.${i}.ffn_down.weight`, SHAPE.intermediate);
  }
  imatrixPath = path.join(work, 'random.imatrix.gguf');
  await writeImatrixGguf(imatrixPath, randomImatrix(columns, 99), { dataset: 'random.txt', chunkCount: 17, chunkSize: 512 });
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function compareMix(dtype: GeneratedDtype, mix: MixName, withImatrix: boolean): Promise<void> {
  const src = sources[dtype]!;
  const tag = `${dtype}-${mix}${withImatrix ? '-imatrix' : ''}`;
  const theirs = path.join(work, `${tag}.llama.gguf`);
  const ours = path.join(work, `${tag}.ours.gguf`);
  const imatrixArgs = withImatrix ? ['--imatrix', imatrixPath] : [];
  let llamaError: Error | null = null;
  await runLlamaTool('llama-quantize', [...imatrixArgs, src.gguf, theirs, mix, '2']).catch((e: Error) => (llamaError = e));
  const r = await runCli(['quantize', src.dir, '--type', mix, ...imatrixArgs, '--backend', 'cpu', '-o', ours]);
  if (llamaError) {
    // llama-quantize refuses (a mix that needs an imatrix): so must we, with a message that says why.
    expect(String(llamaError)).toMatch(/requires an imatrix/);
    expect(r.code, `${tag}: llama-quantize refused, we did not`).not.toBe(0);
    expect(r.stderr).toMatch(/needs an importance matrix/);
    return;
  }
  expect(r.code, `${tag}: ${r.stderr}`).toBe(0);
  expect(await describeGgufDifference(ours, theirs), tag).toBeNull();
  await rm(ours);
  await rm(theirs);
}

describe('whole files against llama-quantize', () => {
  for (const mix of MIX_NAMES) {
    for (const withImatrix of [false, true]) {
      it(`BF16 source, ${mix}${withImatrix ? ', imatrix' : ''}`, () => compareMix('BF16', mix, withImatrix), 600_000);
    }
  }
  for (const mix of F16_MIXES) {
    for (const withImatrix of [false, true]) {
      it(`F16 source (GQA 1, tied), ${mix}${withImatrix ? ', imatrix' : ''}`, () => compareMix('F16', mix, withImatrix), 600_000);
    }
  }
});
