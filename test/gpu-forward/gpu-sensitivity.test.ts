// The sensitivity pass on a forward backend: every KL measured with whole forwards — on the CPU
// reference (runForward) it equals the layer-replay path, and on the WebGPU forward it agrees with
// it to the forward's precision; whole recipes likewise. stories260K, Q4_0 and Q8_0, a shard of
// the tensors (a whole-forward per measurement is slow on SwiftShader).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRecipeKlds } from '../../src/core/dynamic/measure-recipes.ts';
import { measureSensitivity, type MeasureSensitivityOptions } from '../../src/core/dynamic/measure-sensitivity.ts';
import type { SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { runForward } from '../../src/core/forward/run-forward.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import { chooseMixTypes } from '../../src/core/recipe/llama-mixes.ts';
import { createGpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { createGpuRowDequantizer } from '../../src/gpu/gpu-dequantizer.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let files: NodeModelFiles;
let device: GPUDevice;
let options: MeasureSensitivityOptions;
let replayed: SensitivityTable;

beforeAll(async () => {
  files = await nodeModelFiles(STORIES260K);
  const plan = await planModel(files);
  const tokenizer = await loadTextTokenizer(files);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const sequences = chunkTokens(tokenizer.encode(text.slice(-8_000)), { contextSize: 64, bos: tokenizer.bos }).slice(-2);
  options = {
    plan, model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer: cpuRowQuantizer, imatrix: null, sequences,
    candidates: ['Q4_0', 'Q8_0'], measure: 'all', key: { model: 'stories260K', calibration: 'c', imatrix: null },
    shard: { index: 0, count: 6 },
  };
  replayed = await measureSensitivity(options);
  device = await createTestDevice();
}, 300_000);

afterAll(async () => {
  device?.destroy();
  await files?.close();
});

const klds = (t: SensitivityTable) => t.tensors.flatMap((x) => x.candidates.map((c) => c.measuredKld!));

describe('sensitivity on a forward backend', () => {
  it('on the CPU reference forward equals the layer replay', async () => {
    const whole = await measureSensitivity({ ...options, forward: runForward });
    expect(whole.positions).toBe(replayed.positions);
    expect(whole.tensors.map((t) => t.name)).toEqual(replayed.tensors.map((t) => t.name));
    const [a, b] = [klds(whole), klds(replayed)];
    expect(a.length).toBeGreaterThanOrEqual(8);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!) / b[i]!, `measurement ${i}`).toBeLessThan(1e-3));
  }, 300_000);

  it('on the WebGPU forward agrees with the CPU to its precision', async () => {
    const gpu = createGpuForward(device, { dequantizer: createGpuRowDequantizer(device) });
    const onGpu = await measureSensitivity({ ...options, forward: gpu.backend });
    const [a, b] = [klds(onGpu), klds(replayed)];
    a.forEach((v, i) => expect(Math.abs(v - b[i]!) / b[i]!, `measurement ${i}: GPU ${v} vs CPU ${b[i]}`).toBeLessThan(0.02));
    const recipes = [{ id: 'Q4_0', types: chooseMixTypes(options.plan, { mix: 'Q4_0', hasImatrix: false }) }];
    const common = { model: options.model, weights: options.weights, quantizer: options.quantizer, imatrix: null, sequences: options.sequences, recipes };
    const [cpuRecipe] = await measureRecipeKlds(common);
    const [gpuRecipe] = await measureRecipeKlds({ ...common, forward: gpu.backend });
    expect(Math.abs(gpuRecipe!.kld - cpuRecipe!.kld) / cpuRecipe!.kld).toBeLessThan(0.02);
    expect(Math.abs(gpuRecipe!.sameTop - cpuRecipe!.sameTop)).toBeLessThanOrEqual(0.02);
  }, 600_000);
});
