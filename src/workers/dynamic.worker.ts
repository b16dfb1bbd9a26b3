// The sensitivity worker: measures what each candidate type costs each tensor (imatrix-weighted
// error and the KL divergence when only that tensor is quantized) and the measured KL of whole
// recipes (llama.cpp's mixes, the dynamic allocation) on the same held-out positions, for the
// frontier chart — replaying layers from cached activations on the CPU reference (one shard per
// worker) or, on a real GPU, on WebGPU (gpu-layer-replay.ts); whole recipes with whole forwards.
// Runs off the page so the studio stays responsive.
import { releaseProxies } from './release-proxies.ts';
import { CancelledError } from '../core/cancellation.ts';
import * as Comlink from 'comlink';
import { hashImportance, hashTokenSequences } from '../core/dynamic/content-hash.ts';
import { measureRecipeKlds, type RecipeKld } from '../core/dynamic/measure-recipes.ts';
import { measureSensitivity, type SensitivityProgress } from '../core/dynamic/measure-sensitivity.ts';
import type { MeasureMode, SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import { forwardModelFromPlan } from '../core/forward/forward-model.ts';
import { planWeights } from '../core/forward/weights.ts';
import type { GpuWeightSource } from '../gpu/forward/gpu-weights.ts';
import { planGpuWeights, storedUnlessReplaced } from '../gpu/forward/plan-gpu-weights.ts';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { planModel } from '../core/model/plan-model.ts';
import { cpuRowQuantizer } from '../core/quant/cpu-quantizer.ts';
import type { ForwardBackend, WeightSource } from '../core/forward/forward-types.ts';
import type { ReplayEngineFactory } from '../core/dynamic/replay-engine.ts';
import { gpuLayerReplay } from '../gpu/forward/gpu-layer-replay.ts';
import { prepareCalibrationData, type CalibrationDataRequest } from './calibration-data.ts';
import { openWorkerModelFiles, type DownloadEvent, type WorkerModelSource } from './model-source.ts';
import { lazyGpuForward } from './lazy-gpu-forward.ts';
import { yieldingQuantizer } from './yielding-quantizer.ts';
import { exclusiveRunner } from './exclusive-runner.ts';

export type { RecipeKld, SensitivityProgress, SensitivityTable };

export interface MeasureRequest {
  /** The calibration data; the last `chunks` of it are the held-out sequences measured on. */
  data: CalibrationDataRequest;
  chunks: number;
  /** "owner/repo@commit" or "folder:<fingerprint>": the cache key's model part. */
  modelId: string;
  candidates: GgmlTypeName[];
  measure: MeasureMode;
  imatrix: Map<string, Float32Array> | null;
  /** This worker's share when several measure in parallel (mergeSensitivityShards joins them). */
  shard?: { index: number; count: number };
  /** 'gpu': layers replayed on WebGPU from activations kept on the GPU; 'cpu': layer replay on this worker's core. */
  backend?: 'cpu' | 'gpu';
}

export interface MeasureResult {
  table: SensitivityTable;
  /** The held-out sequences, for measuring whole recipes on the same positions. */
  sequences: number[][];
  warnings: string[];
}

export interface RecipesRequest {
  sequences: number[][];
  imatrix: Map<string, Float32Array> | null;
  recipes: { id: string; types: [string, GgmlTypeName][] }[];
  backend?: 'cpu' | 'gpu';
}

const calls = exclusiveRunner('dynamic.worker');
const gpuForward = lazyGpuForward('dynamic.worker', 'measure on the CPU', (e) => calls.abortRunning(e));

/**
 * The WebGPU layer replay for 'gpu' (the base weights uploaded as stored: BF16/F16 halves); undefined
 * (the CPU layer replay) otherwise.
 */
async function replayEngine(kind: 'cpu' | 'gpu' | undefined, stored: GpuWeightSource): Promise<ReplayEngineFactory | undefined> {
  if (kind !== 'gpu') return undefined;
  const forward = await gpuForward();
  // f32 matmuls: a probe's KL can be 1e-6 nats, below what f16 roundings would move it by.
  return gpuLayerReplay(forward.device, { gpuWeights: stored });
}

/**
 * The WebGPU forward's backend for 'gpu'; undefined (the CPU layer replay) otherwise. With the
 * model's `base` weights and their stored halves, a run over them (or over a probe that replaces
 * one tensor) uploads BF16/F16 as stored, not float32.
 */
async function forwardBackend(kind: 'cpu' | 'gpu' | undefined, stored?: { base: WeightSource; gpu: GpuWeightSource }): Promise<ForwardBackend | undefined> {
  if (kind !== 'gpu') return undefined;
  const forward = await gpuForward();
  if (!stored) return forward.backend;
  return (model, weights, request) => forward.run(model, weights, request, { gpuWeights: storedUnlessReplaced(weights, stored.base, stored.gpu) });
}

/** The CPU quantizers in slices, so a Cancel gets through during a large tensor. */
const quantizer = yieldingQuantizer(cpuRowQuantizer, () => calls.signal(), {
  initialChunkElements: 16_384, targetCallMs: 100, maxChunkElements: 1 << 22,
});

const exclusive = <T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> => calls.run(what, work);

async function withModel<T>(source: WorkerModelSource, signal: AbortSignal, onDownload: ((e: DownloadEvent) => void) | undefined,
  work: (opened: Awaited<ReturnType<typeof openWorkerModelFiles>>) => Promise<T>): Promise<T> {
  const opened = await openWorkerModelFiles(source, { onDownload, signal });
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

/** The page's callbacks are released however the call ends (done, failed, cancelled, refused). */
async function released<T>(call: Promise<T>, ...callbacks: unknown[]): Promise<T> {
  try {
    return await call;
  } finally {
    releaseProxies(...callbacks);
  }
}

const api = {
  async measure(
    source: WorkerModelSource, request: MeasureRequest, onProgress?: (p: SensitivityProgress) => void,
    onDownload?: (e: DownloadEvent) => void,
  ): Promise<MeasureResult> {
    return released(exclusive('measuring', (signal) => withModel(source, signal, onDownload, async ({ files }) => {
      const plan = await planModel(files);
      const data = await prepareCalibrationData(files, plan, request.data);
      const sequences = data.sequences.slice(-request.chunks);
      const warnings = [...data.warnings];
      if (data.sequences.length < request.data.maxChunks) {
        warnings.push(`The calibration data gives ${data.sequences.length} chunks of ${request.data.contextSize} tokens: the sensitivity is measured on chunks the importance matrix also saw`);
      }
      const weights = planWeights(plan, files);
      const table = await measureSensitivity({
        plan, model: forwardModelFromPlan(plan), weights, quantizer,
        imatrix: request.imatrix, sequences, candidates: request.candidates, measure: request.measure,
        key: { model: request.modelId, calibration: hashTokenSequences(sequences), imatrix: request.imatrix ? hashImportance(request.imatrix) : null },
        signal, onProgress, shard: request.shard, replay: await replayEngine(request.backend, planGpuWeights(plan, files, weights)),
      });
      return { table, sequences, warnings };
    })), onProgress, onDownload);
  },

  /** Each recipe's measured KL against the unquantized model on `sequences`. */
  async measureRecipes(
    source: WorkerModelSource, request: RecipesRequest, onProgress?: (p: { done: number; total: number; recipe: string }) => void,
    onDownload?: (e: DownloadEvent) => void,
  ): Promise<RecipeKld[]> {
    return released(exclusive('measuring recipes', (signal) => withModel(source, signal, onDownload, async ({ files }) => {
      const plan = await planModel(files);
      return measureRecipeKlds({
        model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer, imatrix: request.imatrix,
        sequences: request.sequences, recipes: request.recipes.map((r) => ({ id: r.id, types: new Map(r.types) })),
        signal, onProgress, forward: await forwardBackend(request.backend),
      });
    })), onProgress, onDownload);
  },

  /** Stops the running measurement at its next step; the call then rejects. */
  cancel(): void {
    calls.cancel(new CancelledError('The measurement was cancelled'));
  },
};

Comlink.expose(api);

export type DynamicWorkerApi = typeof api;
