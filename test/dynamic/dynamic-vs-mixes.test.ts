// The point of dynamic recipes, measured by llama.cpp itself on tiny-llama-10m: with an imatrix
// from the calibration part, a recipe at the exact size of llama.cpp's Q3_K_M, Q4_K_M and Q5_K_M
// files has a lower mean KL divergence on the held-out TinyStories tail (llama-perplexity
// --kl-divergence against the BF16 export): at least 20% lower at Q3_K_M's and Q4_K_M's size, the
// issue's target (last measured about 72% lower at both; about 39% at Q5_K_M's, where only
// "lower" is asked). Also: the predicted KL orders the files as the measured one does (Spearman),
// and llama-quantize reproduces a recipe byte for byte.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictKld } from '../../src/core/dynamic/predict.ts';
import { spearman } from '../../src/core/dynamic/rank-correlation.ts';
import { recipeTypes } from '../../src/core/dynamic/recipe.ts';
import { parseSensitivityTable, type SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { llamaQuantizeArgs, recipeTensorTypeFile } from '../../src/core/dynamic/tensor-type-file.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../src/core/model/plan-types.ts';
import { chooseMixTypes } from '../../src/core/recipe/llama-mixes.ts';
import type { MixName } from '../../src/core/recipe/mix-names.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { TINY_LLAMA_10M } from '../helpers/paths.ts';
import { dynamicFile, expectDynamicBeatsMix, llamaKld, llamaMix, prepareTinyWorkspace, type KldFigures, type TinyWorkspace } from './tiny-workspace.ts';

/** Sensitivity on 3 chunks of 128 calibration tokens (the last 64 positions of each scored): a few minutes on 2 cores. */
const MEASURE = ['--ctx', '128', '--chunks', '3'];
const COMPARED: MixName[] = ['Q3_K_M', 'Q4_K_M', 'Q5_K_M'];
const EXTRA_MIXES: MixName[] = ['Q4_K_S', 'Q6_K'];
/** The fraction by which the dynamic recipe's mean KLD must undercut the mix's (the issue's 20% target where it sets one). */
const REQUIRED_REDUCTION: Record<string, number> = { Q3_K_M: 0.2, Q4_K_M: 0.2, Q5_K_M: 0 };

let work: string;
let ws: TinyWorkspace;
let plan: ModelPlan;
let table: SensitivityTable;
const rows: { name: string; bytes: number; measured: KldFigures; predicted: number }[] = [];
const recipes = new Map<MixName, { gguf: string; recipePath: string }>();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'dynamic-vs-mixes-'));
  ws = await prepareTinyWorkspace(work);
  const files = await nodeModelFiles(TINY_LLAMA_10M);
  plan = await planModel(files).finally(() => files.close());
  for (const mix of [...COMPARED, ...EXTRA_MIXES]) {
    const file = await llamaMix(ws, mix);
    if (COMPARED.includes(mix)) {
      const d = await dynamicFile(ws, mix, ['--target-mix', mix], MEASURE);
      recipes.set(mix, d);
      table ??= parseSensitivityTable(await readFile(path.join(ws.dir, 'sensitivity.json'), 'utf8'));
      rows.push({ name: `dynamic@${mix}`, bytes: (await stat(d.gguf)).size, measured: await llamaKld(ws, d.gguf), predicted: d.recipe.predictedKld! });
    }
    table ??= parseSensitivityTable(await readFile(path.join(ws.dir, 'sensitivity.json'), 'utf8'));
    rows.push({ name: mix, bytes: (await stat(file)).size, measured: await llamaKld(ws, file), predicted: predictKld(table, chooseMixTypes(plan, { mix, hasImatrix: true })) });
  }
  console.log(rows.map((r) => `${r.name.padEnd(16)} ${String(r.bytes).padStart(9)} B  KLD ${r.measured.kld.toFixed(6)}  predicted ${r.predicted.toExponential(3)}  same top ${(100 * r.measured.sameTop).toFixed(2)}%`).join('\n'));
}, 1_800_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('dynamic recipes against llama.cpp mixes on tiny-llama-10m', () => {
  for (const mix of COMPARED) {
    const required = REQUIRED_REDUCTION[mix]!;
    it(`at ${mix}'s size: no larger, mean KLD ${required > 0 ? `at least ${100 * required}% lower` : 'lower'}`, () => expectDynamicBeatsMix('', rows, mix, required));
  }

  it('predicted KL ranks the files as llama-perplexity does (Spearman reported)', () => {
    const rho = spearman(rows.map((r) => r.predicted), rows.map((r) => r.measured.kld));
    console.log(`Spearman(predicted, measured KLD) over ${rows.length} files: ${rho.toFixed(3)}`);
    expect(rho).toBeGreaterThan(0.5);
  });

  it('llama-quantize reproduces the Q4_K_M-size recipe byte for byte', async () => {
    const { gguf, recipePath } = recipes.get('Q4_K_M')!;
    const files = await nodeModelFiles(TINY_LLAMA_10M);
    const recipe = JSON.parse(await readFile(recipePath, 'utf8'));
    recipeTypes(plan, recipe);
    await files.close();
    const tt = path.join(work, 'q4km.tensor-types.txt');
    await writeFile(tt, recipeTensorTypeFile(recipe));
    const theirs = path.join(work, 'q4km-recipe.llama.gguf');
    await runLlamaTool('llama-quantize', [...llamaQuantizeArgs(recipe, { input: ws.bf16, output: theirs, tensorTypeFile: tt, imatrix: ws.imatrix }), '2']);
    expect(await describeGgufDifference(gguf, theirs)).toBeNull();
  }, 300_000);
});
