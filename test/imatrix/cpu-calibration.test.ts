// The studio's calibration on the CPU (calibrate.worker with device 'cpu'): collectImatrixGpu's
// passes over the CPU forward give the CLI's collectImatrix bit for bit, with progress after
// every layer, checkpoints of the GPU's form, an identical result when resumed, and cancel.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import { collectImatrix } from '../../src/core/imatrix/collect.ts';
import type { ImatrixStats } from '../../src/core/imatrix/imatrix-stats.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { collectImatrixGpu, type CalibrationCheckpoint, type CalibrationProgress } from '../../src/gpu/forward/gpu-imatrix.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { createCpuForward } from '../../src/workers/cpu-forward.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

const CTX = 32;
const CHUNKS = 6;
const PER_PASS = 4;
let files: NodeModelFiles;
let model: ForwardModel;
let weights: WeightSource;
let chunks: number[][];
let cli: ImatrixStats;

beforeAll(async () => {
  files = await nodeModelFiles(STORIES260K);
  const plan = await planModel(files);
  model = forwardModelFromPlan(plan);
  weights = planWeights(plan, files);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const tokens = (await loadTextTokenizer(files)).encode(text.slice(0, 3000));
  chunks = chunkTokens(tokens, { contextSize: CTX, maxChunks: CHUNKS, bos: 1 });
  cli = await collectImatrix(model, weights, tokens, { contextSize: CTX, maxChunks: CHUNKS, bos: 1, chunksPerPass: PER_PASS });
});

afterAll(async () => {
  await files?.close();
});

function expectSameStats(actual: ImatrixStats['entries'], expected: ImatrixStats['entries']): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, e] of expected) {
    const got = actual.get(name)!;
    expect(got.count, name).toBe(e.count);
    expect(Buffer.from(got.sums.buffer, got.sums.byteOffset, got.sums.byteLength).equals(Buffer.from(e.sums.buffer, e.sums.byteOffset, e.sums.byteLength)), name).toBe(true);
  }
}

describe('calibration on the CPU forward', () => {
  it('equals the CLI collectImatrix bit for bit, reports every layer, and resumes identically', async () => {
    const progress: CalibrationProgress[] = [];
    const checkpoints: CalibrationCheckpoint[] = [];
    const full = await collectImatrixGpu(createCpuForward(), model, weights, chunks, {
      sequencesPerPass: PER_PASS,
      onProgress: (p) => progress.push(p),
      onCheckpoint: (c) => { checkpoints.push(structuredClone(c)); },
    });
    expect(full.chunkCount).toBe(cli.chunkCount);
    expectSameStats(full.entries, cli.entries);
    const layers = model.hparams.layerCount;
    expect(progress).toHaveLength(2 * layers);
    expect(progress.map((p) => p.layer)).toEqual([...Array(layers).keys(), ...Array(layers).keys()].map((l) => l + 1));
    expect(progress.at(-1)!.tokensDone).toBe(CTX * CHUNKS);
    expect(checkpoints).toHaveLength(2 * layers);

    const midSecondPass = checkpoints.find((c) => c.passStart === PER_PASS && c.forward?.nextLayer === 2)!;
    const midFirstPass = checkpoints.find((c) => c.passStart === 0 && c.forward?.nextLayer === 3)!;
    const boundary = checkpoints.find((c) => c.passStart === PER_PASS && c.forward === null)!;
    for (const resumeFrom of [midFirstPass, midSecondPass, boundary]) {
      const resumed = await collectImatrixGpu(createCpuForward(), model, weights, chunks, { sequencesPerPass: PER_PASS, resumeFrom });
      expectSameStats(resumed.entries, full.entries);
    }
  });

  it('stops at the next layer when cancelled', async () => {
    const controller = new AbortController();
    let layersSeen = 0;
    const run = collectImatrixGpu(createCpuForward(), model, weights, chunks, {
      sequencesPerPass: PER_PASS, signal: controller.signal,
      onProgress: () => { layersSeen++; controller.abort(new Error('stop here')); },
    });
    await expect(run).rejects.toThrow('stop here');
    expect(layersSeen).toBe(1);
  });

  it('refuses a checkpoint of other sequences', async () => {
    const other = chunks.map((c) => c.slice(0, CTX / 2));
    const checkpoints: CalibrationCheckpoint[] = [];
    await collectImatrixGpu(createCpuForward(), model, weights, other.slice(0, PER_PASS), {
      sequencesPerPass: PER_PASS, onCheckpoint: (c) => { checkpoints.push(structuredClone(c)); },
    });
    const resumeFrom = checkpoints.find((c) => c.forward?.nextLayer === 1)!;
    await expect(collectImatrixGpu(createCpuForward(), model, weights, chunks, { sequencesPerPass: PER_PASS, resumeFrom })).rejects.toThrow(/other sequences/);
  });
});
