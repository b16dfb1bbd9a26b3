// The forward pass on WebGPU, layer-streamed like core/forward/run-forward.ts (its oracle): the
// residual stream of every token of every sequence stays on the GPU, each layer's weights are
// uploaded, used by every group of sequences and released; the imatrix statistic is summed on
// the GPU. After each layer the caller may take a checkpoint (hidden states + imatrix sums) and
// later resume from it.
import { blockTensorName } from '../../core/forward/block-weights.ts';
import type { ForwardBackend, ForwardModel, ForwardRequest, WeightSource } from '../../core/forward/forward-types.ts';
import { ropeTables } from '../../core/forward/rope.ts';
import type { ImatrixStats } from '../../core/imatrix/imatrix-stats.ts';
import type { GpuRowDequantizer } from '../row-dequantizer.ts';
import { createForwardPipelines, DispatchRecorder, type ForwardPipelines } from './forward-kernels.ts';
import type { GpuForwardCheckpoint } from './forward-checkpoint.ts';
import { BLOCK_FIELDS, createBlockResources } from './block-resources.ts';
import { IMATRIX_FIELDS, runGpuBlock, type GpuBlockWeights, type ImatrixField } from './gpu-block.ts';
import { runGpuOutputHead } from './gpu-output-head.ts';
import { runOnDevice } from '../device-queue.ts';
import { createGpuWeightUploader, f32GpuWeights, releaseGpuWeight, type GpuWeight, type GpuWeightSource, type GpuWeightUploader } from './gpu-weights.ts';

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
}

export interface GpuForward {
  run(model: ForwardModel, weights: WeightSource, request: ForwardRequest, options?: GpuForwardOptions): Promise<void>;
  readonly backend: ForwardBackend;
  dispose(): void;
}

export function createGpuForward(device: GPUDevice, options: { dequantizer?: GpuRowDequantizer } = {}): GpuForward {
  const pipelines = createForwardPipelines(device);
  const dequantizer = options.dequantizer ?? null;
  // On the device's queue: the pass holds error scopes across awaits, and the dequantizer it
  // calls for quantized weights runs nested in its turn.
  const run = (model: ForwardModel, weights: WeightSource, request: ForwardRequest, opts: GpuForwardOptions = {}) =>
    runOnDevice(device, 'GpuForward', (turn) => runGpuForward(device, pipelines, createGpuWeightUploader(device, dequantizer, turn), model, weights, request, opts));
  return { run, backend: (m, w, r) => run(m, w, r), dispose() {} };
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
  device: GPUDevice, pipelines: ForwardPipelines, uploader: GpuWeightUploader,
  model: ForwardModel, weights: WeightSource, request: ForwardRequest, opts: GpuForwardOptions,
): Promise<void> {
  const hp = model.hparams;
  const E = hp.embedding;
  if (request.ggmlCpuActivations) throw new Error('GpuForward: ggmlCpuActivations (CPU activation rounding) is not implemented on the GPU');
  const source = opts.gpuWeights ?? f32GpuWeights(weights);
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
      for (const e of resume.imatrix ?? []) opts.imatrix.set(e.name, { sums: e.sums.slice(), count: e.count });
    }
  }

  const rec = new DispatchRecorder(device, pipelines);
  const owned: GPUBuffer[] = [];
  const make = (name: string, bytes: number) => { const b = storage(device, name, bytes); owned.push(b); return b; };
  const upload = (name: string, data: Float32Array | Uint32Array) => { const b = make(name, data.byteLength); device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>); return b; };
  try {
    const hidden = make('hidden', rows * E * 4);
    if (resume) {
      device.queue.writeBuffer(hidden, 0, resume.hidden as Float32Array<ArrayBuffer>);
    } else {
      // Only the rows of the tokens used travel to the GPU; the table itself never does.
      const embd = await weights(tensorOf('token_embd.weight'));
      const x = new Float32Array(rows * E);
      let r = 0;
      for (const seq of request.sequences) for (const token of seq) x.set(embd.subarray(token * E, (token + 1) * E), (r++) * E);
      if (hp.embedScale !== null) for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]! * hp.embedScale);
      device.queue.writeBuffer(hidden, 0, x);
    }

    const firstLayer = resume?.nextLayer ?? 0;
    if (firstLayer < hp.layerCount) {
      const ropeFreqs = model.tensors.get('rope_freqs.weight');
      const tables = ropeTables(
        { style: hp.ropeStyle, dims: hp.ropeDims, base: hp.ropeBase, freqScale: hp.ropeFreqScale, freqFactors: ropeFreqs ? await weights(ropeFreqs) : null },
        Math.max(...spans.map((s) => s.length)),
      );
      const ffn = tensorOf(blockTensorName(0, 'gate')).ne[1]!;
      const { rope, groups, scratch } = createBlockResources({ device, hp, ffn, spans, tables, maxGroupRows: opts.maxGroupRows, make, upload });
      for (let layer = firstLayer; layer < hp.layerCount; layer++) {
        throwIfAborted(opts.signal);
        await runLayer(layer);
        const done = layer;
        await opts.onLayerDone?.(done, async () => ({
          version: 1, nextLayer: done + 1, sequenceLengths: spans.map((s) => s.length), embedding: E,
          hidden: await readBufferF32(device, rec, hidden, 0, rows * E),
          imatrix: opts.imatrix ? [...opts.imatrix].map(([name, e]) => ({ name, sums: e.sums.slice(), count: e.count })) : null,
        }));
      }

      async function runLayer(layer: number): Promise<void> {
        const w: GpuBlockWeights = {};
        try {
          for (const field of BLOCK_FIELDS) {
            const t = model.tensors.get(blockTensorName(layer, field));
            if (t) w[field] = await uploader.upload(t, source);
          }
          let imatrix: { sums: GPUBuffer; offsets: Record<ImatrixField, number>; names: Record<ImatrixField, string> } | null = null;
          if (opts.imatrix) {
            const offsets = {} as Record<ImatrixField, number>;
            const names = {} as Record<ImatrixField, string>;
            let total = 0;
            for (const field of IMATRIX_FIELDS) { offsets[field] = total; names[field] = blockTensorName(layer, field); total += w[field]?.cols ?? 0; }
            const initial = new Float32Array(total);
            for (const field of IMATRIX_FIELDS) {
              const e = opts.imatrix.get(names[field]);
              if (e) initial.set(e.sums, offsets[field]);
            }
            imatrix = { sums: upload(`layer${layer}.imatrix`, initial), offsets, names };
          }
          const hook = request.hooks?.onMatmulInput;
          for (const g of groups) {
            throwIfAborted(opts.signal);
            await runGpuBlock(rec, {
              hp, layer, ffn, hidden, scratch, rope, roundF16: request.kvCache === 'f16', imatrix,
              onMatmulInput: hook ? async (field, x, n, cols) => hook(blockTensorName(layer, field), await readBufferF32(device, rec, x, 0, n * cols), n, cols) : null,
            }, w, g);
            rec.submit();
          }
          if (imatrix && opts.imatrix) {
            const sums = await readBufferF32(device, rec, imatrix.sums, 0, imatrix.sums.size / 4);
            for (const field of IMATRIX_FIELDS) {
              const cols = w[field]!.cols;
              const name = imatrix.names[field];
              const e = opts.imatrix.get(name) ?? { sums: new Float32Array(cols), count: 0 };
              e.sums = sums.slice(imatrix.offsets[field], imatrix.offsets[field] + cols);
              e.count += rows;
              opts.imatrix.set(name, e);
            }
            imatrix.sums.destroy();
          } else {
            await device.queue.onSubmittedWorkDone();
          }
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
