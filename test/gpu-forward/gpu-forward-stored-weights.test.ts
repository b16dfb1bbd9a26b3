// The GPU forward reads each weight in its stored format: a GGUF of tiny-llama-10m exported with
// every matrix in one type (F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K read by the matmul itself;
// IQ4_XS, IQ3_S (lattice tables) and Q3_K decoded GPU→GPU by the exact dequantizer) gives the
// CPU forward's logits on the same file, and the run's counters show that exactly the stored bytes were uploaded (no
// matrix as float32). The safetensors model (BF16) reaches the GPU as its halves the same way;
// row chunks of stored weights still give the same logits; the f16-math matmul is measured.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel } from '../../src/core/forward/forward-types.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { ggmlTypeById, tensorBytes, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { createGpuRowDequantizer } from '../../src/gpu/gpu-dequantizer.ts';
import type { GpuRowDequantizer } from '../../src/gpu/row-dequantizer.ts';
import { forwardCost } from '../../src/gpu/forward/forward-cost.ts';
import type { GpuForwardStats } from '../../src/gpu/forward/forward-stats.ts';
import { ggufGpuWeights } from '../../src/gpu/forward/gguf-gpu-weights.ts';
import { createGpuForward, preferredMatmulMath, type GpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import type { GpuWeightSource } from '../../src/gpu/forward/gpu-weights.ts';
import { planGpuWeights } from '../../src/gpu/forward/plan-gpu-weights.ts';
import { isMatmulWeightFormat } from '../../src/gpu/forward/weight-formats.ts';
import { NodeFileSource, nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { exportModelFolder } from '../helpers/export-node.ts';
import { createTestDevice, getNodeGpu, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';
import { cpuForward, logitsCollector, maxLogitDiff } from './forward-compare.ts';

/** Max |Δlogit| of the f32 GPU forward against the CPU forward on the same weights (as gpu-forward-stories). */
const TOLERANCE = 1e-3;
/** Dispatches of one llama block for one group without imatrix: 2 norms, 7 matmuls, 2 rope, attention, glu. */
const LLAMA_BLOCK_DISPATCHES = 13;

const CASES: GgmlTypeName[] = ['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_XS', 'IQ3_S', 'Q3_K'];

let dir: string;
let device: GPUDevice;
let dequantizer: GpuRowDequantizer;
let gpu: GpuForward;
let files: NodeModelFiles;
let sequences: number[][];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gpu-stored-'));
  device = await createTestDevice();
  dequantizer = createGpuRowDequantizer(device);
  gpu = createGpuForward(device, { dequantizer });
  files = await nodeModelFiles(TINY_LLAMA_10M);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const tokens = (await loadTextTokenizer(files)).encode(text.slice(0, 1000));
  sequences = [tokens.slice(0, 12), tokens.slice(20, 27)];
});

afterAll(async () => {
  gpu?.dispose();
  dequantizer?.dispose();
  device?.destroy();
  await files?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface GgufCase {
  model: ForwardModel;
  cpuWeights: Awaited<ReturnType<typeof ggufWeights>>;
  gpuWeights: GpuWeightSource;
  /** Stored bytes by type of every tensor the forward uploads (all but the embedding table, unless it is also the head). */
  uploaded: Map<GgmlTypeName, number>;
  close(): Promise<void>;
}

async function openGguf(type: GgmlTypeName): Promise<GgufCase> {
  const file = path.join(dir, `tiny-llama-10m-${type}.gguf`);
  // The 32000-row embedding (also the tied head) stays F16: it is the bulk of the bytes and of the export time.
  const embd = { pattern: { source: 'token_embd', test: (n: string) => n === 'token_embd.weight' }, type: (type === 'BF16' ? 'BF16' : 'F16') as GgmlTypeName };
  await exportModelFolder(TINY_LLAMA_10M, file, type, { overrides: [embd] });
  const source = new NodeFileSource(path.basename(file), file, (await stat(file)).size);
  const info = await readGgufInfo(source);
  const model = forwardModelFromGguf(info, path.basename(file));
  const tied = !model.tensors.has('output.weight');
  const uploaded = new Map<GgmlTypeName, number>();
  for (const t of info.parsed.tensorInfos) {
    if (t.name === 'token_embd.weight' && !tied) continue;
    const tt = ggmlTypeById(Number(t.dtype))!;
    uploaded.set(tt, (uploaded.get(tt) ?? 0) + (tensorBytes(tt, t.shape.map(Number)) as number));
  }
  return { model, cpuWeights: await ggufWeights(source, info), gpuWeights: ggufGpuWeights(source, info), uploaded, close: () => source.close() };
}

const maxBinding = () => Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);

async function gpuLogits(forward: GpuForward, model: ForwardModel, c: Pick<GgufCase, 'cpuWeights' | 'gpuWeights'>): Promise<{ logits: Float32Array[][]; stats: GpuForwardStats }> {
  const { logits, onLogits } = logitsCollector(sequences);
  let stats: GpuForwardStats | null = null;
  await forward.run(model, c.cpuWeights, { sequences, onLogits }, { gpuWeights: c.gpuWeights, onStats: (s) => { stats = s; } });
  return { logits, stats: stats! };
}

describe('GPU forward with weights in their stored format (tiny-llama-10m GGUFs)', () => {
  it.each(CASES)('%s: the CPU forward\'s logits; the stored bytes uploaded, no matrix as float32', async (type) => {
    const c = await openGguf(type);
    try {
      expect([...c.model.tensors.values()].filter((t) => t.type === type).length, `${type} tensors in the file`).toBeGreaterThanOrEqual(7 * c.model.hparams.layerCount);
      const ref = await cpuForward(c.model, c.cpuWeights, sequences);
      const ours = await gpuLogits(gpu, c.model, c);
      const diff = maxLogitDiff(ours.logits, ref.logits);
      console.log(`stored-weights ${type}: max |Δlogit| ${diff.toExponential(2)}, uploaded ${ours.stats.weightBytesUploaded} bytes`, ours.stats.weightBytesByType);
      expect(diff, `max |Δlogit| ${diff}`).toBeLessThan(TOLERANCE);
      // Exactly the stored bytes, per type: a matrix widened to f32 would add to F32 and remove from its type.
      const expected = Object.fromEntries(c.uploaded);
      expect(ours.stats.weightBytesByType).toEqual(expected);
      const total = [...c.uploaded.values()].reduce((a, b) => a + b, 0);
      expect(ours.stats.weightBytesUploaded).toBe(total);
      const decoded = [...c.uploaded].filter(([t]) => !isMatmulWeightFormat(t)).reduce((a, [, b]) => a + b, 0);
      expect(ours.stats.weightBytesDecodedOnGpu).toBe(decoded);
      if (!isMatmulWeightFormat(type)) expect(decoded).toBeGreaterThan(0);
      else expect(decoded).toBe(0);
      expect(ours.stats.dispatchesPerLayer).toEqual(Array(c.model.hparams.layerCount).fill(LLAMA_BLOCK_DISPATCHES));
      // The formula the bench uses for models too large to run here agrees with the counters.
      const cost = forwardCost(c.model, { typeOf: (t) => t.type!, maxBindingBytes: maxBinding() });
      expect(cost.weightBytes).toBe(ours.stats.weightBytesUploaded);
      expect(cost.dispatchesPerLayer).toEqual(ours.stats.dispatchesPerLayer);
      expect(ours.stats.submissions).toBeGreaterThan(0);
      expect(uncapturedGpuErrors).toEqual([]);
    } finally {
      await c.close();
    }
  }, 300_000);

  it('Q4_K in row chunks of 64 KiB (every matrix split; chunks start on word boundaries) gives the same logits', async () => {
    const c = await openGguf('Q4_K');
    const chunked = createGpuForward(device, { dequantizer, maxWeightChunkBytes: 64 * 1024 });
    try {
      const whole = await gpuLogits(gpu, c.model, c);
      const split = await gpuLogits(chunked, c.model, c);
      expect(maxLogitDiff(split.logits, whole.logits)).toBeLessThan(1e-5);
      expect(split.stats.weightBytesUploaded).toBe(whole.stats.weightBytesUploaded);
      // More matmul dispatches per layer: the 512-row FFN matrices of Q4_K (144 B per 256) fit 64 KiB, the head does not.
      expect(split.stats.dispatches).toBeGreaterThan(whole.stats.dispatches);
      const cost = forwardCost(c.model, { typeOf: (t) => t.type!, maxBindingBytes: 64 * 1024 });
      expect(cost.dispatchesPerLayer).toEqual(split.stats.dispatchesPerLayer);
      expect(Math.max(...split.stats.dispatchesPerLayer)).toBeGreaterThan(LLAMA_BLOCK_DISPATCHES);
    } finally {
      chunked.dispose();
      await c.close();
    }
  }, 300_000);
});

describe('GPU forward over the safetensors model (BF16)', () => {
  it('uploads the BF16 halves (Q/K rows permuted as raw rows) and gives the CPU forward\'s logits', async () => {
    const plan = await planModel(files);
    const model = forwardModelFromPlan(plan);
    const weights = planWeights(plan, files);
    const ref = await cpuForward(model, weights, sequences);
    const ours = await gpuLogits(gpu, model, { cpuWeights: weights, gpuWeights: planGpuWeights(plan, files, weights) });
    const diff = maxLogitDiff(ours.logits, ref.logits);
    console.log(`stored-weights safetensors: max |Δlogit| ${diff.toExponential(2)}`, ours.stats.weightBytesByType);
    expect(diff).toBeLessThan(TOLERANCE);
    let halves = 0;
    let f32 = 0;
    for (const t of model.tensors.values()) {
      const elements = t.ne.reduce((a, b) => a * b, 1);
      if (t.ggufName === 'token_embd.weight' && model.tensors.has('output.weight')) continue;
      if (t.ne.length > 1) halves += elements * 2;
      else f32 += elements * 4; // norms: widened to f32, their kernel's format
    }
    expect(ours.stats.weightBytesByType).toEqual({ BF16: halves, F32: f32 });
    const cost = forwardCost(model, { typeOf: (t) => (t.ne.length > 1 ? 'BF16' : 'F32'), maxBindingBytes: maxBinding() });
    expect(cost.weightBytes).toBe(ours.stats.weightBytesUploaded);
    expect(cost.weightBytesF32).toBe(halves * 2 + f32);
  }, 300_000);
});

describe('f16 matmul math', () => {
  /**
   * Stated tolerance of the f16-math matmul against the CPU forward (max |Δlogit|): measured
   * 1.83e-3 on tiny-llama-10m F16 (19 positions, 32000 logits each; f32 math: 8.6e-6).
   */
  const F16_TOLERANCE = 1e-2;

  it('f16 tiles and products (emulated in f32 code) stay within the f16 tolerance of the CPU forward', async () => {
    const c = await openGguf('F16');
    const emulated = createGpuForward(device, { dequantizer, matmulMath: 'f16-emulated' });
    try {
      const ref = await cpuForward(c.model, c.cpuWeights, sequences);
      const ours = await gpuLogits(emulated, c.model, c);
      const diff = maxLogitDiff(ours.logits, ref.logits);
      console.log(`f16-emulated matmul: max |Δlogit| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(F16_TOLERANCE);
      // Not the f32 path: rounding to f16 changes the logits measurably.
      expect(diff).toBeGreaterThan(TOLERANCE / 100);
    } finally {
      emulated.dispose();
      await c.close();
    }
  }, 300_000);

  it('the native f16 matmul (shader-f16) matches its emulation, or the adapter demonstrably lacks shader-f16', async () => {
    if (!device.features.has('shader-f16')) {
      const adapter = await getNodeGpu().requestAdapter();
      expect(adapter?.features.has('shader-f16'), 'the adapter has shader-f16 but the device was made without it').toBe(false);
      // The documented switch (scripts/webgpu-env.mjs sets it for SwiftShader) is the only way past this.
      expect(process.env.QUANT_STUDIO_NO_SHADER_F16, 'no shader-f16 on this adapter: the native f16 matmul was not run (set QUANT_STUDIO_NO_SHADER_F16=1 to accept)').toBe('1');
      expect(preferredMatmulMath(device)).toBe('f32');
      expect(() => createGpuForward(device, { matmulMath: 'f16' })).toThrow('shader-f16');
      return;
    }
    const c = await openGguf('F16');
    expect(preferredMatmulMath(device)).toBe('f16');
    const native = createGpuForward(device, { dequantizer, matmulMath: 'f16' });
    const emulated = createGpuForward(device, { dequantizer, matmulMath: 'f16-emulated' });
    try {
      expect(native.matmulMath).toBe('f16');
      expect(gpu.matmulMath).toBe('f32');
      const a = await gpuLogits(native, c.model, c);
      const b = await gpuLogits(emulated, c.model, c);
      expect(maxLogitDiff(a.logits, b.logits)).toBeLessThan(F16_TOLERANCE / 10);
    } finally {
      native.dispose();
      emulated.dispose();
      await c.close();
    }
  }, 300_000);
});
