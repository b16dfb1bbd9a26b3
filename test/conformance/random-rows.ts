// Every block type, byte for byte against llama.cpp's own quantizers (llama-quantize built from
// node-llama-cpp's source), on thousands of generated rows in shapes that stress quantizers
// (outliers, zero rows, single spikes, tiny and huge scales, constant rows, heavy tails), with
// and without a random importance matrix. The rows travel as the weights of generated Llama
// models (two row-length sets) quantized "pure": every matrix at the one type under test. The
// types are split over two test files (random-rows-*.test.ts), which hold the assertions, so
// that both workers share them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { MIXES } from '../../src/core/recipe/llama-mixes.ts';
import type { MixName } from '../../src/core/recipe/mix-names.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { generateLlamaModel, type GeneratedModelShape } from '../helpers/generate-model.ts';
import { llamaMatrixColumns, randomImatrix, writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K } from '../helpers/paths.ts';

/**
 * Each type under test, and a llama-quantize file type whose default type it is (or, where none
 * has it, a quantized file type and `--tensor-type .*=TYPE`).
 */
export const ROW_TYPES: [GgmlTypeName, MixName][] = [
  ['F16', 'F16'], ['BF16', 'BF16'], ['Q8_0', 'Q8_0'], ['Q5_1', 'Q5_1'], ['Q5_0', 'Q5_0'], ['Q4_1', 'Q4_1'], ['Q4_0', 'Q4_0'],
  ['Q6_K', 'Q6_K'], ['Q5_K', 'Q5_K_S'], ['Q4_K', 'Q4_K_S'], ['Q3_K', 'Q3_K_S'], ['Q2_K', 'Q2_K'],
  ['IQ4_NL', 'IQ4_NL'], ['IQ4_XS', 'IQ4_XS'], ['IQ3_S', 'IQ3_S'], ['IQ3_XXS', 'IQ3_XXS'], ['IQ2_S', 'IQ2_M'],
  ['IQ2_XS', 'IQ2_XS'], ['IQ2_XXS', 'IQ2_XXS'], ['IQ1_M', 'IQ1_M'], ['IQ1_S', 'IQ1_S'],
  ['TQ2_0', 'TQ2_0'], ['TQ1_0', 'TQ1_0'], ['MXFP4', 'MXFP4_MOE'], ['Q2_0', 'Q2_0'], ['Q1_0', 'Q1_0'],
  // No file type has NVFP4 for its default: --tensor-type makes every matrix NVFP4 under Q8_0.
  ['NVFP4', 'Q8_0'],
];

/** Two sets of row lengths (all multiples of 256): 256/512 and 512/1280. ~5,600 and ~9,000 rows. */
const SHAPES: GeneratedModelShape[] = [
  { hidden: 256, intermediate: 512, layers: 2, heads: 4, kvHeads: 4, vocab: 512 },
  { hidden: 512, intermediate: 1280, layers: 2, heads: 8, kvHeads: 2, vocab: 512 },
];

export interface RowModels {
  /**
   * Quantizes both models "pure" at `type` (with llama-quantize's `mix`) by llama-quantize and by
   * `quant-studio quantize`: every way the two disagree (bytes, or one refusing what the other
   * writes), as text; none when they agree.
   */
  differences(type: GgmlTypeName, mix: MixName, withImatrix: boolean): Promise<string[]>;
}

/** Registers the two generated models and their random imatrices for the calling test file. */
export function useRowModels(): RowModels {
  let work: string;
  const models: { dir: string; gguf: string; imatrix: string }[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'conformance-rows-'));
    for (const [i, shape] of SHAPES.entries()) {
      const dir = path.join(work, `rows-${i}`);
      await generateLlamaModel(dir, shape, { dtype: 'F32', rows: 'varied', seed: 1000 + i, tokenizerFrom: STORIES260K });
      const gguf = path.join(work, `rows-${i}-F32.gguf`);
      const r = await runCli(['quantize', dir, '--type', 'F32', '--backend', 'cpu', '-o', gguf]);
      if (r.code !== 0) throw new Error(r.stderr);
      const imatrix = path.join(work, `rows-${i}.imatrix.gguf`);
      await writeImatrixGguf(imatrix, randomImatrix(llamaMatrixColumns(shape, true), 500 + i), { dataset: 'random', chunkCount: 3, chunkSize: 512 });
      models.push({ dir, gguf, imatrix });
    }
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  return {
    async differences(type, mix, withImatrix) {
      const out: string[] = [];
      for (const [i, model] of models.entries()) {
        const tag = `${type}-${i}${withImatrix ? '-imatrix' : ''}`;
        const theirs = path.join(work, `${tag}.llama.gguf`);
        const ours = path.join(work, `${tag}.ours.gguf`);
        const t = type.toLowerCase();
        const everyMatrix = MIXES[mix].defaultType === type ? [] : ['--tensor-type', `.*=${t}`];
        const args = ['--pure', ...everyMatrix, '--output-tensor-type', t, '--token-embedding-type', t, ...(withImatrix ? ['--imatrix', model.imatrix] : [])];
        let llamaError: Error | null = null;
        await runLlamaTool('llama-quantize', [...args, model.gguf, theirs, mix, '2']).catch((e: Error) => (llamaError = e));
        const r = await runCli(['quantize', model.dir, '--type', mix, ...args, '--backend', 'cpu', '-o', ours]);
        if (llamaError) {
          // llama-quantize refuses (a type that needs an imatrix): so must we, saying why.
          if (!/requires an imatrix/.test(String(llamaError))) out.push(`${tag}: llama-quantize failed: ${String(llamaError).slice(0, 500)}`);
          else if (r.code === 0) out.push(`${tag}: llama-quantize refused, we did not`);
          else if (!/needs an importance matrix/.test(r.stderr)) out.push(`${tag}: we refused without naming the importance matrix: ${r.stderr}`);
          continue;
        }
        if (r.code !== 0) {
          out.push(`${tag}: ${r.stderr}`);
          continue;
        }
        const difference = await describeGgufDifference(ours, theirs);
        if (difference) out.push(`${tag}: ${difference}`);
        await rm(ours);
        await rm(theirs);
      }
      return out;
    },
  };
}

/** Test names: each type with and without the random imatrix. */
export function rowCases(types: readonly [GgmlTypeName, MixName][]): { name: string; type: GgmlTypeName; mix: MixName; withImatrix: boolean }[] {
  return types.flatMap(([type, mix]) => [false, true].map((withImatrix) => ({ name: `${type}${withImatrix ? ' with a random imatrix' : ''}`, type, mix, withImatrix })));
}
