// Calibration on the GPU: collectImatrixGpu over llama-imatrix's chunks equals the CPU
// collectImatrix (1e-4 relative per column, same counts) across several passes; resuming from a
// mid-pass or a pass-boundary checkpoint gives the identical result (and, on the CPU forward, the
// CPU's within the same tolerance); cancel stops it; and a
// quantized GGUF runs with its bytes decoded by the GPU dequantizer.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { collectImatrix } from '../../src/core/imatrix/collect.ts';
import type { ImatrixStats } from '../../src/core/imatrix/imatrix-stats.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { createGpuRowDequantizer } from '../../src/gpu/gpu-dequantizer.ts';
import { ggufGpuWeights } from '../../src/gpu/forward/gguf-gpu-weights.ts';
import { createGpuForward, type GpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { collectImatrixGpu, type CalibrationCheckpoint, type CalibrationProgress } from '../../src/gpu/forward/gpu-imatrix.ts';
import { NodeFileSource, nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { createCpuForward } from '../../src/workers/cpu-forward.ts';
import { exportModelFolder } from '../helpers/export-node.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';
import { cpuForward, imatrixDiff, logitsCollector, maxLogitDiff } from './forward-compare.ts';

const CTX = 32;
const CHUNKS = 6;
const PER_PASS = 4;
let device: GPUDevice;
let gpu: GpuForward;
let files: NodeModelFiles;
let model: ForwardModel;
let weights: WeightSource;
let tokens: number[];
let chunks: number[][];
let cpu: ImatrixStats;

beforeAll(async () => {
  device = await createTestDevice();
  gpu = createGpuForward(device);
  files = await nodeModelFiles(STORIES260K);
  const plan = await planModel(files);
  model = forwardModelFromPlan(plan);
  weights = planWeights(plan, files);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  tokens = (await loadTextTokenizer(files)).encode(text.slice(0, 3000));
  chunks = chunkTokens(tokens, { contextSize: CTX, maxChunks: CHUNKS, bos: 1 });
  cpu = await collectImatrix(model, weights, tokens, { contextSize: CTX, maxChunks: CHUNKS, bos: 1, chunksPerPass: PER_PASS });
});

afterAll(async () => {
  gpu?.dispose();
  device?.destroy();
  await files?.close();
});

describe('collectImatrixGpu on stories260K', () => {
  it('equals the CPU collectImatrix over two passes, reports progress, and resumes identically', async () => {
    const progress: CalibrationProgress[] = [];
    const checkpoints: CalibrationCheckpoint[] = [];
    const full = await collectImatrixGpu(gpu, model, weights, chunks, {
      sequencesPerPass: PER_PASS,
      onProgress: (p) => progress.push(p),
      onCheckpoint: (c) => { checkpoints.push(structuredClone(c)); },
    });
    expect(full.chunkCount).toBe(cpu.chunkCount);
    expect(full.chunkSize).toBe(CTX);
    const diff = imatrixDiff(cpu.entries, full.entries);
    expect(diff.sameEntries).toBe(true);
    expect(diff.maxRel, `max relative Δ ${diff.maxRel}`).toBeLessThan(1e-4);
    const layers = model.hparams.layerCount;
    expect(progress).toHaveLength(2 * layers);
    expect(progress.at(-1)!.tokensDone).toBe(CTX * CHUNKS);
    expect(progress.every((p) => p.tokensPerSecond > 0)).toBe(true);
    // Per pass: a checkpoint after each layer but the last, then one at the pass boundary.
    expect(checkpoints).toHaveLength(2 * layers);

    const midSecondPass = checkpoints.find((c) => c.passStart === PER_PASS && c.forward?.nextLayer === 2)!;
    const boundary = checkpoints.find((c) => c.passStart === PER_PASS && c.forward === null)!;
    for (const resumeFrom of [midSecondPass, boundary]) {
      const resumed = await collectImatrixGpu(gpu, model, weights, chunks, { sequencesPerPass: PER_PASS, resumeFrom });
      expect(imatrixDiff(full.entries, resumed.entries)).toEqual({ maxRel: 0, sameEntries: true });
    }
    // The page resumes on whichever device it chooses now (the CPU where WebGPU is a software emulation).
    const onCpu = await collectImatrixGpu(createCpuForward(), model, weights, chunks, { sequencesPerPass: PER_PASS, resumeFrom: midSecondPass });
    const cross = imatrixDiff(cpu.entries, onCpu.entries);
    expect(cross.sameEntries).toBe(true);
    expect(cross.maxRel, `max relative Δ ${cross.maxRel}`).toBeLessThan(1e-4);
    expect(uncapturedGpuErrors).toEqual([]);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const run = collectImatrixGpu(gpu, model, weights, chunks, {
      sequencesPerPass: PER_PASS, signal: controller.signal,
      onProgress: (p) => { if (p.layer === 1) controller.abort(new Error('stop here')); },
    });
    await expect(run).rejects.toThrow('stop here');
  });

  it('runs a Q8_0 GGUF with its bytes decoded on the GPU, as the CPU does with ggml dequantization', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gpu-imatrix-'));
    const file = path.join(dir, 'stories260K-Q8_0.gguf');
    const dequantizer = createGpuRowDequantizer(device);
    const forward = createGpuForward(device, { dequantizer });
    try {
      await exportModelFolder(STORIES260K, file, 'Q8_0');
      const source = new NodeFileSource('stories260K-Q8_0.gguf', file, (await stat(file)).size);
      try {
        const info = await readGgufInfo(source);
        const m = forwardModelFromGguf(info, 'stories260K-Q8_0.gguf');
        expect([...m.tensors.values()].some((t) => t.type === 'Q8_0')).toBe(true);
        const cpuWeights = await ggufWeights(source, info);
        const sequences = chunks.slice(0, 2);
        const ref = await cpuForward(m, cpuWeights, sequences);
        const { logits, onLogits } = logitsCollector(sequences);
        await forward.run(m, cpuWeights, { sequences, onLogits }, { gpuWeights: ggufGpuWeights(source, info) });
        expect(maxLogitDiff(logits, ref.logits)).toBeLessThan(1e-3);
      } finally {
        await source.close();
      }
    } finally {
      dequantizer.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
