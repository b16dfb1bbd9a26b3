// Web worker owning a GPUDevice for calibration: the layer-streamed GPU forward over the model
// (a dropped folder, a single GGUF file or a Hub repo at a pinned commit) collecting the
// importance matrix; or the CPU reference forward where WebGPU is a software emulation (the rule
// export follows; see chooseDevice). The app talks to it through Comlink:
//   const api = Comlink.wrap<CalibrateWorkerApi>(new Worker(new URL('./calibrate.worker.ts', import.meta.url), { type: 'module' }));
//   const { kind } = await api.chooseDevice('auto');
//   const stats = await api.calibrate(source, chunks, { sequencesPerPass: 8, device: kind }, Comlink.proxy(onProgress), Comlink.proxy(onCheckpoint), Comlink.proxy(onDownload));
import { releaseProxies } from './release-proxies.ts';
import * as Comlink from 'comlink';
import { forwardModelFromGguf, forwardModelFromPlan } from '../core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../core/forward/forward-types.ts';
import { ggufWeights, planWeights } from '../core/forward/weights.ts';
import { readGgufInfo } from '../core/gguf/read-gguf.ts';
import type { ImatrixStats } from '../core/imatrix/imatrix-stats.ts';
import { planModel } from '../core/model/plan-model.ts';
import { describeDevice, requestQuantDevice } from '../gpu/device.ts';
import { createGpuRowDequantizer } from '../gpu/gpu-dequantizer.ts';
import type { GpuRowDequantizer } from '../gpu/row-dequantizer.ts';
import { ggufGpuWeights } from '../gpu/forward/gguf-gpu-weights.ts';
import { planGpuWeights } from '../gpu/forward/plan-gpu-weights.ts';
import { createGpuForward, type GpuForward } from '../gpu/forward/gpu-forward.ts';
import { collectImatrixGpu, type CalibrationCheckpoint, type CalibrationProgress } from '../gpu/forward/gpu-imatrix.ts';
import type { GpuWeightSource } from '../gpu/forward/gpu-weights.ts';
import { blobByteSource } from '../io/blob-files.ts';
import type { DownloadEvent } from './hub-session.ts';
import { openWorkerModelFiles, type WorkerModelSource } from './model-source.ts';
import { createCpuForward } from './cpu-forward.ts';
import { deviceChooser, type AnalysisDevice } from './analysis-device.ts';
import type { BackendPreference } from './export.worker.ts';

export type { DownloadEvent, WorkerModelSource };

/** Where calibrations run, for the page to show (`detail` says why when it is the CPU). */
export type CalibrationDevice = AnalysisDevice;

export interface CalibrateOptions {
  sequencesPerPass?: number;
  /** 'f16' reproduces llama.cpp's default KV cache; default 'f32'. */
  kvCache?: 'f32' | 'f16';
  /** A checkpoint from onCheckpoint of an earlier, interrupted run on the same files and sequences. */
  resumeFrom?: CalibrationCheckpoint;
  /** The forward to run on (chooseDevice's kind); default 'gpu'. */
  device?: 'cpu' | 'gpu';
}

let device: GPUDevice | null = null;
let forward: GpuForward | null = null;
let dequantizer: GpuRowDequantizer | null = null;
let running: AbortController | null = null;
/** Test only: lose the device once this many checkpoints of the next run were handed over. */
let loseAfterCheckpoints: number | null = null;

function deviceLostError(reason: string): Error {
  return new Error(`The GPU device was lost (${reason}). The calibration can resume from its last checkpoint.`);
}

/** The running calibration stops; the next one makes a new device. */
function forgetDevice(reason: string): void {
  running?.abort(deviceLostError(reason));
  forward?.dispose();
  dequantizer?.dispose();
  forward = null;
  dequantizer = null;
  device = null;
}

async function ensureDevice(): Promise<GPUDevice> {
  if (device) return device;
  if (!navigator.gpu) throw new Error('calibrate.worker: WebGPU is not available in this worker');
  let created: GPUDevice | null = null;
  created = await requestQuantDevice(navigator.gpu, {
    // An older device lost late must not take the current one with it.
    onLost: (info) => {
      if (device === created) forgetDevice(`${info.reason}: ${info.message}`);
    },
  });
  device = created;
  dequantizer = createGpuRowDequantizer(created);
  forward = createGpuForward(created, { dequantizer });
  return created;
}

interface OpenedModel {
  model: ForwardModel;
  weights: WeightSource;
  gpuWeights?: GpuWeightSource;
  close(): Promise<void>;
}

/** A single GGUF file (quantized bytes decoded on the GPU) or safetensors files (their plan). */
async function openModel(
  source: WorkerModelSource, signal: AbortSignal, onDownload?: (e: DownloadEvent) => void,
): Promise<OpenedModel> {
  const files = source.kind === 'files' ? source.files : [];
  const gguf = files.length === 1 && files[0]!.path.toLowerCase().endsWith('.gguf') ? files[0]! : null;
  if (gguf) {
    const bytes = blobByteSource(gguf.path, gguf.blob);
    const info = await readGgufInfo(bytes);
    return {
      model: forwardModelFromGguf(info, gguf.path), weights: await ggufWeights(bytes, info), gpuWeights: ggufGpuWeights(bytes, info),
      close: async () => {},
    };
  }
  const opened = await openWorkerModelFiles(source, { onDownload: onDownload && ((e) => void onDownload(e)), signal });
  try {
    const plan = await planModel(opened.files);
    // The GPU reads BF16/F16 matrices as their stored halves; planWeights stays the f32 fallback.
    return { model: forwardModelFromPlan(plan), weights: planWeights(plan, opened.files), gpuWeights: planGpuWeights(plan, opened.files), close: opened.close };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

function loseDeviceNow(): void {
  const lost = device;
  if (!lost) return;
  forgetDevice('unknown: device lost by loseDeviceForTest');
  lost.destroy();
}

/** The checkpoint is stored before the device goes, as after a real loss between two layers. */
function withTestLoss(onCheckpoint: (c: CalibrationCheckpoint) => void | Promise<void>): (c: CalibrationCheckpoint) => Promise<void> {
  let handed = 0;
  return async (c) => {
    await onCheckpoint(c);
    handed++;
    if (loseAfterCheckpoints !== null && handed >= loseAfterCheckpoints) {
      loseAfterCheckpoints = null;
      loseDeviceNow();
    }
  };
}

const chooseDevice = deviceChooser();

const api = {
  /** Where calibrations with this preference run ('auto': export's rule); asked once per preference. */
  chooseDevice(preference: BackendPreference = 'auto'): Promise<CalibrationDevice> {
    return chooseDevice(preference);
  },

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
    source: WorkerModelSource, sequences: number[][], options: CalibrateOptions = {},
    onProgress?: (progress: CalibrationProgress) => void,
    onCheckpoint?: (checkpoint: CalibrationCheckpoint) => void | Promise<void>,
    onDownload?: (event: DownloadEvent) => void,
  ): Promise<ImatrixStats> {
    if (running) throw new Error('calibrate.worker: a calibration is already running; cancel() it first');
    const onCpu = options.device === 'cpu';
    if (!onCpu) await ensureDevice();
    const controller = new AbortController();
    running = controller;
    let opened: OpenedModel | null = null;
    try {
      opened = await openModel(source, controller.signal, onDownload);
      const { model, weights, gpuWeights } = opened;
      // The CPU path reads the f32 WeightSource; the checkpoints have the same form on both.
      return await collectImatrixGpu(onCpu ? createCpuForward() : forward!, model, weights, sequences, {
        sequencesPerPass: options.sequencesPerPass, kvCache: options.kvCache, resumeFrom: options.resumeFrom,
        gpuWeights: onCpu ? undefined : gpuWeights, signal: controller.signal, onProgress, onCheckpoint: onCheckpoint && withTestLoss(onCheckpoint),
      });
    } catch (error) {
      // Work in flight on a lost device fails with whatever WebGPU says (a failed map, a
      // destroyed buffer): the page is told the cause instead, so it offers to resume.
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      if (running === controller) running = null;
      await opened?.close();
      releaseProxies(onProgress, onCheckpoint, onDownload);
    }
  },

  /**
   * Test hook (the page reaches it only with ?test-hooks): loses the device as a driver reset
   * would, mid-run. destroy() alone is not reported as a loss (it is what we call on purpose).
   */
  loseDeviceForTest(afterCheckpoints = 0): void {
    if (afterCheckpoints > 0) loseAfterCheckpoints = afterCheckpoints;
    else loseDeviceNow();
  },

  /** Stops the running calibration at the next layer or group boundary; calibrate() then rejects. */
  cancel(): void {
    running?.abort(new Error('calibrate.worker: calibration cancelled'));
  },
};

Comlink.expose(api);

export type CalibrateWorkerApi = typeof api;
