// The main thread's handles on the calibrate and evaluate workers, started on first use (each
// owns its own GPUDevice). Only types cross from workers/ into app/.
import * as Comlink from 'comlink';
import type { CalibrateWorkerApi } from '../workers/calibrate.worker.ts';
import type { EvaluateWorkerApi } from '../workers/evaluate.worker.ts';

let calibrate: Comlink.Remote<CalibrateWorkerApi> | null = null;
let evaluate: Comlink.Remote<EvaluateWorkerApi> | null = null;

export function calibrateWorker(): Comlink.Remote<CalibrateWorkerApi> {
  calibrate ??= Comlink.wrap<CalibrateWorkerApi>(
    new Worker(new URL('../workers/calibrate.worker.ts', import.meta.url), { type: 'module', name: 'calibrate' }),
  );
  return calibrate;
}

export function evaluateWorker(): Comlink.Remote<EvaluateWorkerApi> {
  evaluate ??= Comlink.wrap<EvaluateWorkerApi>(
    new Worker(new URL('../workers/evaluate.worker.ts', import.meta.url), { type: 'module', name: 'evaluate' }),
  );
  return evaluate;
}
