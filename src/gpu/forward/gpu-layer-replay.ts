// The sensitivity pass's replay engine on WebGPU (core/dynamic/replay-engine.ts): the base pass
// runs once and the residual stream entering every layer stays on the GPU, one buffer per layer;
// a measurement copies its layer's input, runs that one block with the perturbed matrix, and
// either replays the later layers or is read by the output head, whose KL against the base
// log-probabilities is summed on the GPU (gpu-replay-head.ts). No measurement is a whole forward.
//
// Estimate for Qwen3-0.6B (E=1024, 28 layers, q 1024→2048, k/v 1024→1024, o 2048→1024, gate/up
// 1024→3072, down 3072→1024, vocab 151936, tied head), measure mode 'layer', 4 held-out chunks of
// 512 tokens (N=2048 rows, 1024 scored), 2 types per matrix (392 measurements):
// - one layer over N tokens: 2·15.73M matrix weights·2048 = 64.4 GFLOP, plus causal attention
//   4 seqs·16 heads·128·(512·513/2)·2·2 = 4.3 GFLOP: 68.7 GFLOP. Head on 64 rows:
//   2·64·1024·151936 = 19.9 GFLOP. One measurement: 88.6 GFLOP; 392 of them: 34.7 TFLOP.
// - calibration: per layer L one replay of layers L+1..27 (Σ = 378 layer runs, 26.0 TFLOP) and
//   the head on all 1024 scored rows (318.6 GFLOP, ×28 = 8.9 TFLOP); the direct references,
//   one head on 64 rows per layer: 0.56 TFLOP. Base pass and its reference: 2.2 TFLOP.
//   token_embd's 2 types replay all 28 layers and the scored head each: 4.5 TFLOP. Total ≈ 77 TFLOP.
// - uploaded: base layer weights once (28·15.73M·4 B = 1.76 GB, resident: see RESIDENT_BYTES),
//   the perturbed matrices 2·1.76 = 3.5 GB, the head once (622 MB), token_embd's two perturbed
//   tables (1.24 GB, they are the tied head) and the embedded stream (8.4 MB each): ≈ 7.2 GB,
//   ≈ 0.7 s at 10 GB/s.
// - read back: one float per scored row per KL: 392·64·4 B + 30·1024·4 B ≈ 0.22 MB (the
//   log-probabilities themselves would be 34 GB, and their log-softmax on the CPU a minute).
// - at an assumed effective WebGPU f32 matmul rate of 5–10 TFLOP/s on a current desktop GPU:
//   77 TFLOP → 8–15 s of GPU time, plus ~1 s of transfers: well inside 2 minutes. (Whole
//   forwards per measurement were 392 × (28 layers + the head on 1024 rows) ≈ 880 TFLOP and
//   392 × 2.4 GB of uploads.) The quantizer's round trips (881M weights) come on top: the
//   GPU quantizer makes them small, the CPU one takes tens of seconds.
// - device memory: 29 states of 8.4 MB, resident weights 1.76 GB, the head 622 MB, the scored
//   reference 622 MB (1024 × vocab f32), scratch: ≈ 3.3 GB.
import { blockTensorName } from '../../core/forward/block-weights.ts';
import { outputNormTensor } from '../../core/forward/forward-model.ts';
import type { ForwardModel, ForwardTensor } from '../../core/forward/forward-types.ts';
import { embed, prepareReplay, tensorOf } from '../../core/dynamic/layer-replay.ts';
import type { ReplayCounters, ReplayEngine, ReplayEngineFactory, ReplayReference, ReplayState } from '../../core/dynamic/replay-engine.ts';
import { runOnDevice } from '../device-queue.ts';
import { createBlockResources, feedForwardWidth, uploadBlockWeight, uploadBlockWeights } from './block-resources.ts';
import { createForwardPipelines, DispatchRecorder } from './forward-kernels.ts';
import { checkGpuBlockSupports, runGpuBlock, type GpuBlockWeights, type MoeHost } from './gpu-block.ts';
import { readBufferF32 } from './gpu-forward.ts';
import { createReplayHead, type HeadReference } from './gpu-replay-head.ts';
import { createGpuWeightUploader, releaseGpuWeight, type GpuWeight, type GpuWeightSource, type GpuWeightUploader } from './gpu-weights.ts';

/**
 * Base layer weights kept on the device between visits. Replays revisit layers: in mode 'layer'
 * each layer's calibration replays every later layer (378 layer visits on 28 layers), in 'all'
 * and 'probe' every batch does; without residency each visit re-reads the layer from the weight
 * source (disk, OPFS or the network, and a conversion to f32) and uploads it again. 2 GiB holds
 * a 0.6B model's layers in f32 and fits a desktop GPU beside the states and the head.
 */
const RESIDENT_BYTES = 2 * 2 ** 30;

export interface GpuLayerReplayOptions {
  /** Bytes of base layer weights kept resident (default RESIDENT_BYTES); layers past it are uploaded per visit. */
  residentWeightBytes?: number;
  /** Rows per group of whole sequences sharing the scratch buffers; default from the device limits. */
  maxGroupRows?: number;
  /**
   * The base weights as stored (BF16/F16 halves of a safetensors model): uploaded and kept as
   * such, half the bytes of float32. Default: the replay's f32 values. Probes are f32 either way.
   */
  gpuWeights?: GpuWeightSource;
}

const OWNER = 'GpuLayerReplay';
const weightBytes = (w: GpuWeight) => w.chunks.reduce((n, c) => n + c.bytes, 0);
const f32Source = (values: Float32Array): GpuWeightSource => async () => ({ kind: 'f32', values });

export function gpuLayerReplay(device: GPUDevice, options: GpuLayerReplayOptions = {}): ReplayEngineFactory {
  return (model, weights, sequences, signal) => runOnDevice(device, OWNER, async (turn) => {
    const engine = createEngine(device, options, model, signal);
    try {
      await engine.prepare(createGpuWeightUploader(device, null, turn), async (t) => weights(t), sequences);
    } catch (e) {
      engine.dispose();
      throw e;
    }
    return engine;
  });
}

function createEngine(device: GPUDevice, options: GpuLayerReplayOptions, model: ForwardModel, signal: AbortSignal | undefined) {
  const hp = model.hparams;
  checkGpuBlockSupports(hp);
  const E = hp.embedding;
  const counters: ReplayCounters = { layerRuns: 0, headRows: 0, uploadedBytes: 0, readBackBytes: 0 };
  const budget = options.residentWeightBytes ?? RESIDENT_BYTES;
  const owned: GPUBuffer[] = [];
  const states = new Set<GPUBuffer>();
  const resident = new Map<number, GpuBlockWeights>();
  const references = new Set<HeadReference>();
  const rec = new DispatchRecorder(device, createForwardPipelines(device));
  let residentBytes = 0;
  let retiredBelow = 0;
  let inputs: GPUBuffer[] = [];
  let stateBytes = 0;
  let values: (t: ForwardTensor) => Promise<Float32Array> = () => Promise.reject(new Error(`${OWNER}: not prepared`));
  const source: GpuWeightSource = options.gpuWeights ?? (async (t) => ({ kind: 'f32', values: await values(t) }));
  let blockResources: ReturnType<typeof createBlockResources> | null = null;
  let head: ReturnType<typeof createReplayHead> | null = null;
  let headWeights: GpuWeight[] = [];
  let table: ((t: Float32Array) => Float32Array) | null = null;

  const make = (name: string, bytes: number) => {
    const b = device.createBuffer({ label: `${OWNER}.${name}`, size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    owned.push(b);
    return b;
  };
  const upload = (name: string, data: Float32Array | Uint32Array) => {
    const b = make(name, data.byteLength);
    device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>);
    counters.uploadedBytes += data.byteLength;
    return b;
  };
  const newState = () => {
    const b = device.createBuffer({ label: `${OWNER}.state`, size: stateBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    states.add(b);
    return b;
  };
  const uploadWeight = async (uploader: GpuWeightUploader, tensor: ForwardTensor, from: GpuWeightSource) => {
    const w = await uploader.upload(tensor, from);
    counters.uploadedBytes += weightBytes(w);
    return w;
  };
  const onDevice = <T>(task: (uploader: GpuWeightUploader) => Promise<T>) =>
    runOnDevice(device, OWNER, (turn) => task(createGpuWeightUploader(device, null, turn)));

  /** The base weights of `layer`: resident ones, or uploaded for this visit (resident: false, the caller releases them). */
  async function layerWeights(uploader: GpuWeightUploader, layer: number): Promise<{ w: GpuBlockWeights; resident: boolean }> {
    const cached = resident.get(layer);
    if (cached) return { w: cached, resident: true };
    let bytes = 0;
    const w = await uploadBlockWeights(uploader, model, layer, source, (uploaded) => {
      const n = weightBytes(uploaded);
      counters.uploadedBytes += n;
      bytes += n;
    });
    // Kept while they fit, never evicting for a newer layer: visits are forward scans, under
    // which a least-recently-used cache would evict every layer just before its next visit.
    const keep = layer >= retiredBelow && residentBytes + bytes <= budget;
    if (keep) { resident.set(layer, w); residentBytes += bytes; }
    return { w, resident: keep };
  }
  /** Frees weights of one visit once the work that reads them is done. */
  const releaseBlock = async (w: GpuBlockWeights, extra: GpuWeight[] = []) => {
    const all = [...Object.values(w), ...extra];
    if (all.length === 0) return;
    await device.queue.onSubmittedWorkDone();
    for (const x of all) releaseGpuWeight(x);
  };

  /** Block `layer` on `hidden` in place, group by group. */
  async function runBlock(layer: number, w: GpuBlockWeights, hidden: GPUBuffer): Promise<void> {
    const r = blockResources!;
    const ffn = feedForwardWidth(model);
    const host: MoeHost = {
      readBack: (buffer, count) => readBufferF32(device, rec, buffer, 0, count),
      write: (buffer, data) => device.queue.writeBuffer(buffer, 0, data as Uint32Array<ArrayBuffer>),
    };
    for (const g of r.groups) {
      signal?.throwIfAborted();
      await runGpuBlock(rec, { hp, layer, ffn, hidden, scratch: r.scratch, rope: r.rope, roundF16: false, imatrix: null, onMatmulInput: null, host }, w, g);
      rec.submit();
    }
    counters.layerRuns++;
  }

  async function runLayer(uploader: GpuWeightUploader, layer: number, replaced: ReadonlyMap<string, Float32Array>, from: GPUBuffer): Promise<GPUBuffer> {
    const to = newState();
    rec.copy(from, 0, to, 0, stateBytes);
    const { w, resident: kept } = await layerWeights(uploader, layer);
    const swapped: GpuWeight[] = [];
    try {
      const run: GpuBlockWeights = { ...w };
      for (const [field, v] of replaced) {
        const g = await uploadBlockWeight(uploader, model, layer, field as keyof GpuBlockWeights, f32Source(v));
        if (!g) throw new Error(`sensitivity: layer ${layer} has no tensor "${blockTensorName(layer, field as keyof GpuBlockWeights)}"`);
        counters.uploadedBytes += weightBytes(g);
        swapped.push(g);
        run[field as keyof GpuBlockWeights] = g;
      }
      await runBlock(layer, run, to);
    } finally {
      await releaseBlock(kept ? {} : w, swapped);
    }
    return to;
  }

  const outputName = model.tensors.has('output.weight') ? 'output.weight' : 'token_embd.weight';

  const engine = {
    layerCount: hp.layerCount,
    counters,

    async prepare(uploader: GpuWeightUploader, read: (t: ForwardTensor) => Promise<Float32Array>, sequences: readonly (readonly number[])[]) {
      values = read;
      const replay = await prepareReplay(model, (t) => read(t), sequences);
      stateBytes = replay.rows * E * 4;
      const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
      if (stateBytes > limit) {
        throw new Error(`${OWNER}: the residual stream of ${replay.rows} tokens × ${E} floats is ${stateBytes} bytes, over this device's largest storage binding (${limit} bytes): measure on fewer or shorter chunks`);
      }
      const ffn = feedForwardWidth(model);
      blockResources = createBlockResources({ device, hp, ffn, spans: replay.spans, tables: replay.tables, maxGroupRows: options.maxGroupRows, make, upload });
      headWeights = [await uploadWeight(uploader, outputNormTensor(model), source), await uploadWeight(uploader, tensorOf(model, outputName), source)];
      head = createReplayHead({ device, rec, hp, norm: headWeights[0]!, output: headWeights[1]!, placeholder: blockResources.scratch.placeholder, counters });
      table = (t) => embed(replay, t);
      inputs = [await engine.embedOn(await read(tensorOf(model, 'token_embd.weight')))];
      for (let l = 0; l < hp.layerCount; l++) inputs.push(await runLayer(uploader, l, new Map(), inputs[l]!));
    },

    embedOn(t: Float32Array): GPUBuffer {
      const b = newState();
      const hidden = table!(t);
      device.queue.writeBuffer(b, 0, hidden as Float32Array<ArrayBuffer>);
      counters.uploadedBytes += hidden.byteLength;
      return b;
    },

    base(layer: number): ReplayState {
      const b = inputs[layer];
      if (!b) throw new Error(`${OWNER}: no base state for layer ${layer} (0..${hp.layerCount})`);
      return b as unknown as ReplayState;
    },

    embed: (t: Float32Array) => Promise.resolve(engine.embedOn(t) as unknown as ReplayState),

    runLayer: (layer: number, replaced: ReadonlyMap<string, Float32Array>, from: ReplayState) =>
      onDevice(async (uploader) => (await runLayer(uploader, layer, replaced, from as unknown as GPUBuffer)) as unknown as ReplayState),

    replayFrom: (from: number, batch: readonly ReplayState[]) => onDevice(async (uploader) => {
      for (let l = from; l < hp.layerCount; l++) {
        const { w, resident: kept } = await layerWeights(uploader, l);
        try {
          for (const s of batch) await runBlock(l, w, s as unknown as GPUBuffer);
        } finally {
          if (!kept) await releaseBlock(w);
        }
      }
    }),

    reference: (state: ReplayState, rows: readonly number[]) => onDevice(async () => {
      const r = await head!.reference(state as unknown as GPUBuffer, rows);
      references.add(r);
      return r as unknown as ReplayReference;
    }),

    kld: (reference: ReplayReference, state: ReplayState, output?: Float32Array) => onDevice(async (uploader) => {
      const replacedHead = output ? await uploadWeight(uploader, tensorOf(model, outputName), f32Source(output)) : undefined;
      try {
        return await head!.kld(reference as unknown as HeadReference, state as unknown as GPUBuffer, replacedHead);
      } finally {
        if (replacedHead) await releaseBlock({}, [replacedHead]);
      }
    }),

    releaseReference(reference: ReplayReference) {
      const r = reference as unknown as HeadReference;
      if (references.delete(r)) for (const c of r.chunks) c.destroy();
    },

    release(state: ReplayState) {
      const b = state as unknown as GPUBuffer;
      if (inputs.includes(b)) throw new Error(`${OWNER}: a base state is the engine's, not the caller's to release`);
      if (states.delete(b)) b.destroy();
    },

    retireLayersBelow(layer: number) {
      retiredBelow = Math.max(retiredBelow, layer);
      for (const [l, w] of resident) {
        if (l >= layer) continue;
        residentBytes -= Object.values(w).reduce((n, x) => n + weightBytes(x), 0);
        for (const x of Object.values(w)) releaseGpuWeight(x);
        resident.delete(l);
      }
    },

    dispose() {
      rec.submit();
      rec.destroy();
      head?.dispose();
      for (const w of headWeights) releaseGpuWeight(w);
      for (const w of resident.values()) for (const x of Object.values(w)) releaseGpuWeight(x);
      resident.clear();
      for (const r of references) for (const c of r.chunks) c.destroy();
      references.clear();
      for (const b of states) b.destroy();
      states.clear();
      for (const b of owned) b.destroy();
    },
  };
  return engine satisfies ReplayEngine & Record<string, unknown>;
}
