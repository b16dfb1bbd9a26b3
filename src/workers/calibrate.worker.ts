// Web worker owning a GPUDevice for calibration: the layer-streamed GPU forward over the user's
// model files collecting the importance matrix. The app talks to it through Comlink:
//   const api = Comlink.wrap<CalibrateWorkerApi>(new Worker(new URL('./calibrate.worker.ts', import.meta.url), { type: 'module' }));
//   const stats = await api.calibrate(files, chunks, { sequencesPerPass: 8 }, Comlink.proxy(onProgress), Comlink.proxy(onCheckpoint));
import * as Comlink from 'comlink';
import { forwardModelFromGguf, forwardModelFromPlan } from '../core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../core/forward/forward-types.ts';
import { ggufWeights, planWeights } from '../core/forward/weights.ts';
import { readGgufInfo } from '../core/gguf/read-gguf.ts';
import type { ImatrixStats } from '../core/imatrix/imatrix-stats.ts';
import { planModel } from '../core/model/plan-model.ts';
import { describeDevice, requestQuantDevice } from '../gpu/device.ts';
import { createGpuRowDequantizer, type GpuRowDequantizer } from '../gpu/gpu-dequantizer.ts';
import { ggufGpuWeights } from '../gpu/forward/gguf-gpu-weights.ts';
import { createGpuForward, type GpuForward } from '../gpu/forward/gpu-forward.ts';
import { collectImatrixGpu, type CalibrationCheckpoint, type CalibrationProgress } from '../gpu/forward/gpu-imatrix.ts';
import type { GpuWeightSource } from '../gpu/forward/gpu-weights.ts';
import { blobModelFiles, blobByteSource, type NamedBlob } from '../io/blob-files.ts';

export interface CalibrateOptions {
  sequencesPerPass?: number;
  /** 'f16' reproduces llama.cpp's default KV cache; default 'f32'. */
  kvCache?: 'f32' | 'f16';
  /** A checkpoint from onCheckpoint of an earlier, interrupted run on the same files and sequences. */
  resumeFrom?: CalibrationCheckpoint;
}

let device: GPUDevice | null = null;
let forward: GpuForward | null = null;
let dequantizer: GpuRowDequantizer | null = null;
let lostReason: string | null = null;
let running: AbortController | null = null;

async function ensureDevice(): Promise<GPUDevice> {
  if (device) return device;
  if (!navigator.gpu) throw new Error('calibrate.worker: WebGPU is not available in this worker');
  const created = await requestQuantDevice(navigator.gpu, {
    onLost: (info) => {
      lostReason = `${info.reason}: ${info.message}`;
      running?.abort(new Error(`calibrate.worker: the GPU device was lost (${lostReason}); resume from the last checkpoint`));
      forward?.dispose();
      dequantizer?.dispose();
      forward = null;
      dequantizer = null;
      device = null;
    },
  });
  device = created;
  dequantizer = createGpuRowDequantizer(created);
  forward = createGpuForward(created, { dequantizer });
  lostReason = null;
  return created;
}

/** A GGUF file (quantized bytes decoded on the GPU) or a safetensors folder (its plan). */
async function openModel(files: readonly NamedBlob[]): Promise<{ model: ForwardModel; weights: WeightSource; gpuWeights?: GpuWeightSource }> {
  const gguf = files.length === 1 && files[0]!.path.toLowerCase().endsWith('.gguf') ? files[0]! : null;
  if (gguf) {
    const source = blobByteSource(gguf.path, gguf.blob);
    const info = await readGgufInfo(source);
    return { model: forwardModelFromGguf(info, gguf.path), weights: await ggufWeights(source, info), gpuWeights: ggufGpuWeights(source, info) };
  }
  const modelFiles = blobModelFiles(files);
  const plan = await planModel(modelFiles);
  return { model: forwardModelFromPlan(plan), weights: planWeights(plan, modelFiles) };
}

const api = {
  /** Creates the device (once); returns the adapter's description for the UI. */
  async init(): Promise<{ adapter: string }> {
    return { adapter: describeDevice(await ensureDevice()) };
  },

  /**
   * Runs the calibration forward over `sequences` (token chunks, e.g. from chunkTokens) and returns
   * llama-imatrix's raw statistic. Progress after every layer; a checkpoint after every layer and
   * pass when `onCheckpoint` is given (persist it to resume after a lost device or a closed tab).
   */
  async calibrate(
    files: NamedBlob[], sequences: number[][], options: CalibrateOptions = {},
    onProgress?: (progress: CalibrationProgress) => void,
    onCheckpoint?: (checkpoint: CalibrationCheckpoint) => void | Promise<void>,
  ): Promise<ImatrixStats> {
    if (running) throw new Error('calibrate.worker: a calibration is already running; cancel() it first');
    await ensureDevice();
    const controller = new AbortController();
    running = controller;
    try {
      const { model, weights, gpuWeights } = await openModel(files);
      return await collectImatrixGpu(forward!, model, weights, sequences, {
        sequencesPerPass: options.sequencesPerPass, kvCache: options.kvCache, resumeFrom: options.resumeFrom,
        gpuWeights, signal: controller.signal, onProgress, onCheckpoint,
      });
    } finally {
      if (running === controller) running = null;
    }
  },

  /** Stops the running calibration at the next layer or group boundary; calibrate() then rejects. */
  cancel(): void {
    running?.abort(new Error('calibrate.worker: calibration cancelled'));
  },
};

Comlink.expose(api);

export type CalibrateWorkerApi = typeof api;
