// The forward pass on WebGPU, layer-streamed like core/forward/run-forward.ts (its oracle): the
// residual stream of every token of every sequence stays on the GPU, each layer's weights are
// uploaded, used by every group of sequences and released; the imatrix statistic is summed on
// the GPU. After each layer the caller may take a checkpoint (hidden states + imatrix sums) and
// later resume from it.
import { blockTensorName } from '../../core/forward/block-weights.ts';
import type { ForwardBackend, ForwardModel, ForwardRequest, WeightSource } from '../../core/forward/forward-types.ts';
import { ropeOfRun, ropeTables } from '../../core/forward/rope.ts';
import { copyImatrixEntry, type ImatrixStats } from '../../core/imatrix/imatrix-stats.ts';
import type { GpuRowDequantizer } from '../row-dequantizer.ts';
import { createForwardPipelines, DispatchRecorder, type MatmulMath } from './forward-kernels.ts';
import { emptyForwardStats, type GpuForwardStats } from './forward-stats.ts';
import type { GpuForwardCheckpoint } from './forward-checkpoint.ts';
import { createBlockResources, feedForwardWidth, uploadBlockWeights } from './block-resources.ts';
import { checkGpuBlockSupports, IMATRIX_FIELDS, imatrixSlots, runGpuBlock, type GpuBlockWeights, type ImatrixField } from './gpu-block.ts';
import { runGpuOutputHead } from './gpu-output-head.ts';
import { runOnDevice } from '../device-queue.ts';
import { createGpuWeightUploader, f32GpuWeights, gpuExpertMatricesOf, releaseGpuWeight, type GpuWeight, type GpuWeightSource, type GpuWeightUploader } from './gpu-weights.ts';

/** The signature runForward has: a GPU forward bound to a device is a drop-in replacement. */
export type { ForwardBackend };

export interface GpuForwardOptions {
  /** Σx² per column and token counts of every blk.* matmul input, summed on the GPU into this map. */
  imatrix?: ImatrixStats['entries'];
  /** Weights as stored bytes (decoded on the GPU) instead of the WeightSource's f32 values. */
  gpuWeights?: GpuWeightSource;
  /** Continue a pass over the same sequences from this state (its imatrix replaces `imatrix`'s content). */
  resumeFrom?: GpuForwardCheckpoint;
  /** After each finished layer; `checkpoint()` reads the state back (costs a copy of the hidden states). */
  onLayerDone?: (layer: number, checkpoint: () => Promise<GpuForwardCheckpoint>) => void | Promise<void>;
  signal?: AbortSignal;
  /** Rows (tokens) per group of whole sequences sharing the scratch buffers; default from the device limits. */
  maxGroupRows?: number;
  /** What the run uploaded and dispatched, once it has finished (also kept as GpuForward.lastStats). */
  onStats?: (stats: GpuForwardStats) => void;
}

export interface GpuForward {
  run(model: ForwardModel, weights: WeightSource, request: ForwardRequest, options?: GpuForwardOptions): Promise<void>;
  readonly backend: ForwardBackend;
  /** The counters of the last finished run (null before the first). */
  readonly lastStats: GpuForwardStats | null;
  /** The matmuls' arithmetic every run uses (see createGpuForward's `matmulMath`). */
  readonly matmulMath: MatmulMath;
  dispose(): void;
}

/**
 * `matmulMath`: 'f32' by default (the imatrix must match the CPU's to 1e-4); 'f16' (needs
 * 'shader-f16'; see preferredMatmulMath) for KL measurements, whose stated tolerance it meets;
 * 'f16-emulated' runs the f16 roundings in f32 code (to measure them on any adapter).
 * `maxWeightChunkBytes`: split weights into row chunks below the device's limit (tests).
 */
export function createGpuForward(
  device: GPUDevice, options: { dequantizer?: GpuRowDequantizer; matmulMath?: MatmulMath; maxWeightChunkBytes?: number } = {},
): GpuForward {
  const pipelines = createForwardPipelines(device);
  const dequantizer = options.dequantizer ?? null;
  const matmulMath = options.matmulMath ?? 'f32';
  if (matmulMath === 'f16' && !device.features.has('shader-f16')) throw new Error("GpuForward: matmulMath 'f16' needs a device created with the 'shader-f16' feature");
  let lastStats: GpuForwardStats | null = null;
  // On the device's queue: the pass holds error scopes across awaits, and the dequantizer it
  // calls for quantized weights runs nested in its turn.
  const run = (model: ForwardModel, weights: WeightSource, request: ForwardRequest, opts: GpuForwardOptions = {}) =>
    runOnDevice(device, 'GpuForward', async (turn) => {
      const stats = emptyForwardStats();
      await runGpuForward(device, createGpuWeightUploader(device, dequantizer, turn, stats, options.maxWeightChunkBytes), model, weights, request, opts, new DispatchRecorder(device, pipelines, matmulMath, stats));
      lastStats = stats;
      opts.onStats?.(stats);
    });
  return { run, backend: (m, w, r) => run(m, w, r), get lastStats() { return lastStats; }, matmulMath, dispose() {} };
}

/**
 * f16 matmul math where the device has 'shader-f16', else f32: for measurements whose tolerance
 * f16 meets (KL divergence; gpu-forward-stored-weights.test.ts states 1e-2 on logits, measured
 * 1.8e-3), not for the imatrix.
 */
export function preferredMatmulMath(device: GPUDevice): MatmulMath {
  return device.features.has('shader-f16') ? 'f16' : 'f32';
}

function storage(device: GPUDevice, name: string, bytes: number, extra = 0): GPUBuffer {
  return device.createBuffer({ label: `GpuForward.${name}`, size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extra });
}

export async function readBufferF32(device: GPUDevice, rec: DispatchRecorder, src: GPUBuffer, offsetFloats: number, count: number): Promise<Float32Array> {
  const readback = device.createBuffer({ label: 'GpuForward.readback', size: Math.max(16, count * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    rec.copy(src, offsetFloats * 4, readback, 0, count * 4);
    rec.submit();
    await readback.mapAsync(GPUMapMode.READ, 0, count * 4);
    return new Float32Array(readback.getMappedRange(0, count * 4).slice(0));
  } finally {
    readback.destroy();
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('GpuForward: cancelled');
}

async function runGpuForward(
  device: GPUDevice, uploader: GpuWeightUploader,
  model: ForwardModel, weights: WeightSource, request: ForwardRequest, opts: GpuForwardOptions, rec: DispatchRecorder,
): Promise<void> {
  const stats = rec.stats;
  const hp = model.hparams;
  const E = hp.embedding;
  if (request.ggmlCpuActivations) throw new Error('GpuForward: ggmlCpuActivations (CPU activation rounding) is not implemented on the GPU');
  checkGpuBlockSupports(hp);
  const source = opts.gpuWeights ?? f32GpuWeights(weights);
  // A MoE layer's experts are uploaded one at a time, and only those tokens were routed to, where the source can.
  const expertMatrices = hp.experts ? gpuExpertMatricesOf(source) : undefined;
  const tensorOf = (name: string) => {
    const t = model.tensors.get(name);
    if (!t) throw new Error(`GpuForward: the model has no tensor "${name}"`);
    return t;
  };
  const spans: { start: number; length: number }[] = [];
  let rows = 0;
  for (const [i, seq] of request.sequences.entries()) {
    if (seq.length === 0) throw new Error(`GpuForward: sequence ${i} is empty`);
    for (const token of seq) {
      if (!Number.isInteger(token) || token < 0 || token >= hp.vocabSize) throw new Error(`GpuForward: token id ${token} is outside the vocabulary (${hp.vocabSize})`);
    }
    spans.push({ start: rows, length: seq.length });
    rows += seq.length;
  }
  const resume = opts.resumeFrom;
  if (resume) {
    const same = resume.embedding === E && resume.sequenceLengths.length === spans.length && spans.every((s, i) => s.length === resume.sequenceLengths[i]);
    if (!same || resume.hidden.length !== rows * E) throw new Error('GpuForward: the checkpoint was taken on other sequences or another model');
    if (resume.nextLayer < 0 || resume.nextLayer > hp.layerCount) throw new Error(`GpuForward: checkpoint layer ${resume.nextLayer} is outside 0..${hp.layerCount}`);
    if (opts.imatrix) {
      opts.imatrix.clear();
      for (const e of resume.imatrix ?? []) opts.imatrix.set(e.name, copyImatrixEntry(e));
    }
  }

  const owned: GPUBuffer[] = [];
  const make = (name: string, bytes: number) => { const b = storage(device, name, bytes); owned.push(b); return b; };
  // Activations only (weights go through the uploader): counted apart from the weights.
  const write = (buffer: GPUBuffer, data: Float32Array | Uint32Array) => {
    device.queue.writeBuffer(buffer, 0, data as Uint32Array<ArrayBuffer>);
    if (stats) stats.activationBytesUploaded += data.byteLength;
  };
  const upload = (name: string, data: Float32Array | Uint32Array) => { const b = make(name, data.byteLength); write(b, data); return b; };
  try {
    const hidden = make('hidden', rows * E * 4);
    if (resume) {
      write(hidden, resume.hidden);
    } else {
      // Only the rows of the tokens used travel to the GPU; the table itself never does.
      const embd = await weights(tensorOf('token_embd.weight'));
      const x = new Float32Array(rows * E);
      let r = 0;
      for (const seq of request.sequences) for (const token of seq) x.set(embd.subarray(token * E, (token + 1) * E), (r++) * E);
      if (hp.embedScale !== null) for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]! * hp.embedScale);
      write(hidden, x);
    }

    const firstLayer = resume?.nextLayer ?? 0;
    if (firstLayer < hp.layerCount) {
      const longest = Math.max(...spans.map((s) => s.length));
      const tables = ropeTables(await ropeOfRun(model, weights, longest), longest);
      const ffn = feedForwardWidth(model);
      const { rope, groups, scratch } = createBlockResources({ device, hp, ffn, spans, tables, maxGroupRows: opts.maxGroupRows, make, upload });
      for (let layer = firstLayer; layer < hp.layerCount; layer++) {
        throwIfAborted(opts.signal);
        const before = stats?.dispatches ?? 0;
        await runLayer(layer);
        if (stats) stats.dispatchesPerLayer[layer] = stats.dispatches - before;
        const done = layer;
        await opts.onLayerDone?.(done, async () => ({
          version: 1, nextLayer: done + 1, sequenceLengths: spans.map((s) => s.length), embedding: E,
          hidden: await readBufferF32(device, rec, hidden, 0, rows * E),
          imatrix: opts.imatrix ? [...opts.imatrix].map(([name, e]) => ({ name, ...copyImatrixEntry(e) })) : null,
        }));
      }

      async function runLayer(layer: number): Promise<void> {
        let w: GpuBlockWeights = {};
        try {
          w = await uploadBlockWeights(uploader, model, layer, source, undefined, { lazyExperts: expertMatrices !== undefined });
          let imatrix: { sums: GPUBuffer; offsets: Record<ImatrixField, number>; names: Record<ImatrixField, string> } | null = null;
          if (opts.imatrix) {
            const offsets = {} as Record<ImatrixField, number>;
            const names = {} as Record<ImatrixField, string>;
            let total = 0;
            for (const field of IMATRIX_FIELDS) { offsets[field] = total; names[field] = blockTensorName(layer, field); total += imatrixSlots(model, layer, field); }
            const initial = new Float32Array(total);
            for (const field of IMATRIX_FIELDS) {
              const e = opts.imatrix.get(names[field]);
              if (e) initial.set(e.sums, offsets[field]);
            }
            imatrix = { sums: upload(`layer${layer}.imatrix`, initial), offsets, names };
          }
          const hooks = request.hooks;
          const expertCounts = hp.experts ? new Array<number>(hp.experts.count).fill(0) : null;
          for (const g of groups) {
            throwIfAborted(opts.signal);
            await runGpuBlock(rec, {
              hp, layer, ffn, hidden, scratch, rope, roundF16: request.kvCache === 'f16', imatrix,
              onMatmulInput: hooks?.onMatmulInput || hooks?.onExpertMatmulInput ? async (field, x, n, cols, expert) => {
                const name = blockTensorName(layer, field);
                const values = await readBufferF32(device, rec, x, 0, n * cols);
                if (expert === undefined) hooks.onMatmulInput?.(name, values, n, cols);
                else hooks.onExpertMatmulInput?.(name, expert, hp.experts!.count, values, n, cols);
              } : null,
              host: {
                readBack: (buffer, count) => readBufferF32(device, rec, buffer, 0, count),
                write,
                onRouted: (counts) => counts.forEach((c, e) => { expertCounts![e]! += c; }),
                expertMatrix: expertMatrices && (async (field, e) => {
                  const t = tensorOf(blockTensorName(layer, field));
                  const matrix = { ggufName: t.ggufName, ne: [t.ne[0]!, t.ne[1]!], type: t.type };
                  return uploader.upload(matrix, () => expertMatrices(t, e));
                }),
              },
            }, w, g);
            rec.submit();
          }
          if (imatrix && opts.imatrix) {
            const sums = await readBufferF32(device, rec, imatrix.sums, 0, imatrix.sums.size / 4);
            for (const field of IMATRIX_FIELDS) {
              const size = imatrixSlots(model, layer, field);
              if (size === 0) continue;
              const name = imatrix.names[field];
              const experts = tensorOf(name).ne[2];
              const e = opts.imatrix.get(name) ?? { sums: new Float32Array(size), count: 0, ...(experts ? { expertCounts: new Array<number>(experts).fill(0) } : {}) };
              e.sums = sums.slice(imatrix.offsets[field], imatrix.offsets[field] + size);
              if (e.expertCounts && expertCounts) {
                expertCounts.forEach((c, i) => { e.expertCounts![i]! += c; });
                e.count += expertCounts.reduce((a, b) => a + b, 0);
              } else {
                e.count += rows;
              }
              opts.imatrix.set(name, e);
            }
            imatrix.sums.destroy();
          } else {
            await device.queue.onSubmittedWorkDone();
          }
        } catch (e) {
          rec.discard(); // the layer's unsubmitted work reads the weights released below
          throw e;
        } finally {
          for (const weight of Object.values(w)) releaseGpuWeight(weight as GpuWeight);
        }
      }
    }

    if (request.onLogits) {
      throwIfAborted(opts.signal);
      await runGpuOutputHead({ device, rec, uploader, source, model, hidden, spans, request, placeholder: make('outputPlaceholder', 16) });
    }
  } finally {
    rec.submit();
    rec.destroy();
    for (const b of owned) b.destroy();
  }
}
