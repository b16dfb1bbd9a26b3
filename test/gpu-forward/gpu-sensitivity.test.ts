// The sensitivity pass on the GPU replay engine (gpu-layer-replay.ts) against the CPU one, on
// stories260K with Q4_0 and Q8_0: in modes 'all' and 'layer' every measured and estimated KL
// agrees to 2% + 1e-6 nats (f32 on both, summed in another order), and the engine
// runs one layer per measurement plus the calibration replays, never a whole forward per
// measurement. Whole recipes still run whole forwards on the WebGPU forward.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_ROWS, scoredRows } from '../../src/core/dynamic/measure-klds.ts';
import { measureRecipeKlds } from '../../src/core/dynamic/measure-recipes.ts';
import { measureSensitivity, type MeasureSensitivityOptions } from '../../src/core/dynamic/measure-sensitivity.ts';
import type { ReplayCounters, ReplayEngineFactory } from '../../src/core/dynamic/replay-engine.ts';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import { chooseMixTypes } from '../../src/core/recipe/llama-mixes.ts';
import { createGpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { gpuLayerReplay } from '../../src/gpu/forward/gpu-layer-replay.ts';
import { createGpuRowDequantizer } from '../../src/gpu/gpu-dequantizer.ts';
import type { NodeModelFiles } from '../../src/io/node-files.node.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { openPlannedModel } from '../helpers/planned-model.ts';
import { expectSameTable } from './sensitivity-compare.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let files: NodeModelFiles;
let device: GPUDevice;
let options: MeasureSensitivityOptions;

beforeAll(async () => {
  const opened = await openPlannedModel(STORIES260K);
  files = opened.files;
  const { plan, model, weights, tokenizer } = opened;
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const sequences = chunkTokens(tokenizer.encode(text.slice(-8_000)), { contextSize: 64, bos: tokenizer.bos }).slice(-2);
  options = {
    plan, model, weights, quantizer: cpuRowQuantizer, imatrix: null, sequences,
    candidates: ['Q4_0', 'Q8_0'], key: { model: 'stories260K', calibration: 'c', imatrix: null },
  };
  device = await createTestDevice();
}, 300_000);

afterAll(async () => {
  device?.destroy();
  await files?.close();
});

/** The GPU engine, its counters kept for the test. */
function countedGpuReplay(): { factory: ReplayEngineFactory; counters: () => ReplayCounters } {
  let counters: ReplayCounters | null = null;
  const factory: ReplayEngineFactory = async (...args) => {
    const engine = await gpuLayerReplay(device)(...args);
    counters = engine.counters;
    return engine;
  };
  return { factory, counters: () => counters! };
}

describe('sensitivity on the GPU replay engine', () => {
  it("mode 'all': every KL as the CPU engine measures it, each measurement one layer and the replay of the later ones", async () => {
    const cpu = await measureSensitivity({ ...options, measure: 'all' });
    const gpu = countedGpuReplay();
    const onGpu = await measureSensitivity({ ...options, measure: 'all', replay: gpu.factory });
    const L = options.model.hparams.layerCount;
    const blockJobs = onGpu.tensors.filter((t) => t.layer !== null).map((t) => ({ layer: t.layer!, n: t.candidates.length }));
    const embdJobs = onGpu.tensors.find((t) => t.name === 'token_embd.weight')?.candidates.length ?? 0;
    // Batches of up to 16 share a replay, but every variant still runs each later layer.
    const runs = L + blockJobs.reduce((s, j) => s + j.n * (L - j.layer), 0) + embdJobs * L;
    expect(gpu.counters().layerRuns).toBe(runs);
    expect(expectSameTable(onGpu, cpu, 'measuredKld')).toBeGreaterThanOrEqual(20);
  }, 600_000);

  it("mode 'layer': measured and estimated KLs as on the CPU; runs = layers + jobs + calibration replays; one float read back per scored row", async () => {
    const cpu = await measureSensitivity({ ...options, measure: 'layer' });
    const gpu = countedGpuReplay();
    const onGpu = await measureSensitivity({ ...options, measure: 'layer', replay: gpu.factory });
    const L = options.model.hparams.layerCount;
    const jobs = onGpu.tensors.filter((t) => t.layer !== null).reduce((s, t) => s + t.candidates.length, 0);
    const layersWithJobs = new Set(onGpu.tensors.filter((t) => t.layer !== null).map((t) => t.layer!));
    const embdJobs = onGpu.tensors.find((t) => t.name === 'token_embd.weight')?.candidates.length ?? 0;
    const outputJobs = onGpu.tensors.find((t) => t.name === 'output.weight')?.candidates.length ?? 0;
    const calibration = [...layersWithJobs].reduce((s, l) => s + (L - 1 - l), 0);
    const c = gpu.counters();
    expect(c.layerRuns).toBe(L + jobs + calibration + embdJobs * L);
    expect(c.layerRuns).toBeLessThan(jobs * L);

    const scored = scoredRows(options.sequences).length;
    const direct = Math.min(DIRECT_ROWS, scored);
    // Every job is read directly; each layer's calibrator, token_embd and output.weight at every scored row.
    const kldRows = jobs * direct + (layersWithJobs.size + embdJobs + outputJobs) * scored;
    expect(c.headRows).toBe(scored + layersWithJobs.size * direct + kldRows);
    expect(c.readBackBytes).toBe(4 * kldRows);
    console.log(`'layer' on stories260K: ${jobs} block jobs, ${c.layerRuns} layer runs (whole forwards would be ${jobs * L}), ${c.headRows} head rows, uploaded ${c.uploadedBytes} B, read back ${c.readBackBytes} B`);
    expect(expectSameTable(onGpu, cpu, 'measuredKld')).toBeGreaterThanOrEqual(5);
    expect(expectSameTable(onGpu, cpu, 'estimatedKld')).toBeGreaterThanOrEqual(10);
  }, 600_000);

  it('whole recipes on the WebGPU forward agree with the CPU to its precision', async () => {
    const gpu = createGpuForward(device, { dequantizer: createGpuRowDequantizer(device) });
    const recipes = [{ id: 'Q4_0', types: chooseMixTypes(options.plan, { mix: 'Q4_0', hasImatrix: false }) }];
    const common = { model: options.model, weights: options.weights, quantizer: options.quantizer, imatrix: null, sequences: options.sequences, recipes };
    const [cpuRecipe] = await measureRecipeKlds(common);
    const [gpuRecipe] = await measureRecipeKlds({ ...common, forward: gpu.backend });
    expect(Math.abs(gpuRecipe!.kld - cpuRecipe!.kld) / cpuRecipe!.kld).toBeLessThan(0.02);
    expect(Math.abs(gpuRecipe!.sameTop - cpuRecipe!.sameTop)).toBeLessThanOrEqual(0.02);
  }, 600_000);
});
