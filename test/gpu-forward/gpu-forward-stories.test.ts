// The WGSL forward against the CPU reference on stories260K: logits of several sequences in one
// pass (and in several groups), the imatrix statistic summed on the GPU, and a pass resumed from
// a checkpoint (also through its byte encoding) giving identical results.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import type { ImatrixStats } from '../../src/core/imatrix/imatrix-stats.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { decodeForwardCheckpoint, encodeForwardCheckpoint, type GpuForwardCheckpoint } from '../../src/gpu/forward/forward-checkpoint.ts';
import { createGpuForward, type GpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';
import { cpuForward, imatrixDiff, logitsCollector, maxLogitDiff, type ForwardResult } from './forward-compare.ts';

let device: GPUDevice;
let gpu: GpuForward;
let files: NodeModelFiles;
let model: ForwardModel;
let weights: WeightSource;
let sequences: number[][];
let cpu: ForwardResult;

beforeAll(async () => {
  device = await createTestDevice();
  gpu = createGpuForward(device);
  files = await nodeModelFiles(STORIES260K);
  const plan = await planModel(files);
  model = forwardModelFromPlan(plan);
  weights = planWeights(plan, files);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const tokens = (await loadTextTokenizer(files)).encode(text.slice(0, 2000));
  sequences = [tokens.slice(0, 40), tokens.slice(40, 57), tokens.slice(100, 131)];
  cpu = await cpuForward(model, weights, sequences);
});

afterAll(async () => {
  gpu?.dispose();
  device?.destroy();
  await files?.close();
});

async function gpuRun(extra: Parameters<GpuForward['run']>[3] = {}): Promise<ForwardResult> {
  const { logits, onLogits } = logitsCollector(sequences);
  const imatrix: ImatrixStats['entries'] = extra.imatrix ?? new Map();
  await gpu.run(model, weights, { sequences, onLogits }, { ...extra, imatrix });
  return { logits, imatrix };
}

describe('GPU forward vs the CPU reference on stories260K', () => {
  it('gives the same logits (max |Δ| < 1e-3) and imatrix (1e-4 relative, same counts)', async () => {
    const ours = await gpuRun();
    const diff = maxLogitDiff(ours.logits, cpu.logits);
    expect(diff, `max |Δlogit| ${diff}`).toBeLessThan(1e-3);
    expect(ours.logits.map((s) => s.length)).toEqual(sequences.map((s) => s.length));
    const im = imatrixDiff(cpu.imatrix, ours.imatrix);
    expect(im.sameEntries).toBe(true);
    expect(cpu.imatrix.size).toBe(7 * model.hparams.layerCount);
    expect(im.maxRel, `max relative Δ ${im.maxRel}`).toBeLessThan(1e-4);
    // Not vacuous: logits vary a lot between positions.
    expect(maxLogitDiff([[cpu.logits[0]![5]!]], [[cpu.logits[0]![6]!]])).toBeGreaterThan(0.5);
    expect(uncapturedGpuErrors).toEqual([]);
  });

  it('gives the same result with one sequence per group', async () => {
    const ours = await gpuRun({ maxGroupRows: 1 });
    expect(maxLogitDiff(ours.logits, cpu.logits)).toBeLessThan(1e-3);
    expect(imatrixDiff(cpu.imatrix, ours.imatrix).maxRel).toBeLessThan(1e-4);
  });

  it('resumes from a checkpoint (also encoded to bytes) with identical logits and imatrix', async () => {
    const checkpoints: GpuForwardCheckpoint[] = [];
    const full = await gpuRun({ onLayerDone: async (_layer, take) => { checkpoints.push(await take()); } });
    expect(checkpoints.map((c) => c.nextLayer)).toEqual(Array.from({ length: model.hparams.layerCount }, (_, l) => l + 1));
    const middle = decodeForwardCheckpoint(encodeForwardCheckpoint(checkpoints[1]!));
    expect(middle.hidden).toEqual(checkpoints[1]!.hidden);
    // A run that dies after layer 1: resume in a "new session" with a fresh map.
    const resumed = await gpuRun({ resumeFrom: middle, imatrix: new Map() });
    expect(maxLogitDiff(resumed.logits, full.logits)).toBe(0);
    expect(imatrixDiff(full.imatrix, resumed.imatrix)).toEqual({ maxRel: 0, sameEntries: true });
    await expect(gpu.run(model, weights, { sequences: sequences.slice(1) }, { resumeFrom: middle })).rejects.toThrow(/other sequences/);
  });
});
