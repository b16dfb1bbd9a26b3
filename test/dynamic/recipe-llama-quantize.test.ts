// A dynamic recipe reproduced by llama.cpp: `quant-studio plan` on a generated Llama (no KL
// measured: weighted errors and priors, which is enough to get a varied recipe), with a few
// locks to exotic types, exported as a --tensor-type-file and fed to llama-quantize with --pure,
// the same imatrix and the recipe's base mix. Its file must equal `quantize --recipe`'s byte for byte.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecipe } from '../../src/core/dynamic/recipe.ts';
import { llamaQuantizeArgs, recipeTensorTypeFile } from '../../src/core/dynamic/tensor-type-file.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { generateLlamaModel } from '../helpers/generate-model.ts';
import { llamaMatrixColumns, randomImatrix, writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K } from '../helpers/paths.ts';

const SHAPE = { hidden: 256, intermediate: 512, layers: 4, heads: 4, kvHeads: 2, vocab: 512, tied: false };
let work: string;
let model: string;
let bf16: string;
let imatrix: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'dynamic-recipe-'));
  model = path.join(work, 'model');
  await generateLlamaModel(model, SHAPE, { dtype: 'BF16', seed: 21, rows: 'varied', tokenizerFrom: STORIES260K });
  bf16 = path.join(work, 'model-bf16.gguf');
  const r = await runCli(['quantize', model, '--type', 'BF16', '--backend', 'cpu', '-o', bf16]);
  if (r.code !== 0) throw new Error(r.stderr);
  imatrix = path.join(work, 'random.imatrix.gguf');
  await writeImatrixGguf(imatrix, randomImatrix(llamaMatrixColumns(SHAPE), 5), { dataset: 'random.txt', chunkCount: 9, chunkSize: 256 });
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a recipe through llama-quantize --tensor-type-file', () => {
  it('gives the same file as quantize --recipe', async () => {
    const recipePath = path.join(work, 'recipe.json');
    const locks = ['blk.0.attn_q.weight=IQ4_NL', 'blk.1.attn_k.weight=Q5_1', 'blk.2.ffn_up.weight=F16', 'blk.3.attn_output.weight=Q4_0'];
    const plan = await runCli([
      'plan', model, '--target-bpw', '4.8', '--measure', 'none', '--imatrix', imatrix, '--backend', 'cpu',
      ...locks.flatMap((l) => ['--lock', l]), '-o', recipePath,
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    const recipe = parseRecipe(await readFile(recipePath, 'utf8'), recipePath);
    const types = new Set(recipe.tensors.filter((t) => t.type !== 'F32').map((t) => t.type));
    expect(types.size, `a varied recipe: ${[...types].join(', ')}`).toBeGreaterThanOrEqual(5);
    expect(recipe.tensors.find((t) => t.name === 'blk.1.attn_k.weight')).toMatchObject({ type: 'Q5_1', locked: true });
    expect(recipe.bitsPerWeight).toBeLessThanOrEqual(4.8);

    const tensorTypes = path.join(work, 'recipe.tensor-types.txt');
    await writeFile(tensorTypes, recipeTensorTypeFile(recipe));
    const theirs = path.join(work, 'llama.gguf');
    const ours = path.join(work, 'ours.gguf');
    await runLlamaTool('llama-quantize', [...llamaQuantizeArgs(recipe, { input: bf16, output: theirs, tensorTypeFile: tensorTypes, imatrix }), '2']);
    const q = await runCli(['quantize', model, '--recipe', recipePath, '--imatrix', imatrix, '--backend', 'cpu', '-o', ours]);
    expect(q.code, q.stderr).toBe(0);
    expect(await describeGgufDifference(ours, theirs)).toBeNull();
    expect((await readFile(ours)).length).toBe(recipe.fileBytes);
  }, 600_000);

  it('refuses a recipe made for another model, naming the tensor', async () => {
    const recipePath = path.join(work, 'recipe.json');
    const recipe = parseRecipe(await readFile(recipePath, 'utf8'));
    recipe.tensors = recipe.tensors.filter((t) => t.name !== 'blk.2.ffn_down.weight');
    const broken = path.join(work, 'broken.json');
    await writeFile(broken, JSON.stringify(recipe));
    const r = await runCli(['quantize', model, '--recipe', broken, '--backend', 'cpu', '-o', path.join(work, 'x.gguf')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/blk\.2\.ffn_down\.weight/);
  }, 120_000);
});
