// measureRecipeKlds on stories260K: the whole-recipe measurement the studio's frontier chart
// shows beside the predictions. It must agree with the sensitivity pass where they overlap (one
// tensor quantized = that tensor's measured KL), be zero for the float model, and order mixes
// the way bits do.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRecipeKlds } from '../../src/core/dynamic/measure-recipes.ts';
import { measureSensitivity } from '../../src/core/dynamic/measure-sensitivity.ts';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import type { ModelPlan, TensorTypes } from '../../src/core/model/plan-types.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import { chooseMixTypes } from '../../src/core/recipe/llama-mixes.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let files: NodeModelFiles;
let plan: ModelPlan;
let sequences: number[][];

const floatTypes = (p: ModelPlan): TensorTypes => new Map(p.tensors.map((t) => [t.ggufName, 'F32']));

beforeAll(async () => {
  files = await nodeModelFiles(STORIES260K);
  plan = await planModel(files);
  const tokenizer = await loadTextTokenizer(files);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  sequences = chunkTokens(tokenizer.encode(text.slice(-12_000)), { contextSize: 64, bos: tokenizer.bos }).slice(-3);
});

afterAll(async () => {
  await files?.close();
});

const common = () => ({ model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer: cpuRowQuantizer, imatrix: null, sequences });

describe('measureRecipeKlds', () => {
  it('gives 0 for the float model, the sensitivity pass’s figure for one quantized tensor, and orders mixes by bits', async () => {
    const name = 'blk.1.attn_q.weight';
    const single = floatTypes(plan).set(name, 'Q4_0');
    const progress: number[] = [];
    const results = await measureRecipeKlds({
      ...common(),
      recipes: [
        { id: 'float', types: floatTypes(plan) },
        { id: 'single', types: single },
        { id: 'Q8_0', types: chooseMixTypes(plan, { mix: 'Q8_0', hasImatrix: false }) },
        { id: 'Q4_0', types: chooseMixTypes(plan, { mix: 'Q4_0', hasImatrix: false }) },
      ],
      onProgress: (p) => progress.push(p.done),
    });
    const by = new Map(results.map((r) => [r.id, r]));
    expect(by.get('float')!.kld).toBeLessThan(1e-12);
    expect(by.get('float')!.sameTop).toBe(1);
    expect(by.get('Q8_0')!.kld).toBeGreaterThan(0);
    expect(by.get('Q4_0')!.kld).toBeGreaterThan(by.get('Q8_0')!.kld * 5);
    expect(by.get('Q4_0')!.sameTop).toBeLessThan(1);
    // The tail: the float model's is nil; a quantized one's 99th percentile is above its mean, and grows with fewer bits.
    expect(by.get('float')!.p99).toBeLessThan(1e-12);
    expect(by.get('Q4_0')!.p99).toBeGreaterThan(by.get('Q4_0')!.kld);
    expect(by.get('Q4_0')!.p99).toBeGreaterThan(by.get('Q8_0')!.p99!);
    // One step per layer of each forward (the base and four recipes), counted as each ends.
    const steps = 5 * plan.layerCount;
    expect(progress).toEqual(Array.from({ length: steps + 1 }, (_, i) => i));

    const table = await measureSensitivity({
      ...common(), plan, candidates: ['Q4_0'], measure: 'all', key: { model: 'm', calibration: 'c', imatrix: null },
    });
    const measured = table.tensors.find((t) => t.name === name)!.candidates[0]!.measuredKld!;
    expect(measured).toBeGreaterThan(0);
    expect(Math.abs(by.get('single')!.kld - measured) / measured).toBeLessThan(1e-9);
  }, 300_000);

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(measureRecipeKlds({ ...common(), recipes: [{ id: 'float', types: floatTypes(plan) }], signal: controller.signal })).rejects.toThrow('stop');
  });
});
