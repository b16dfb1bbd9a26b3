// The main thread's handles on the analysis workers, started on first use: calibrate and evaluate
// (each owns its own GPUDevice) and dynamic (the CPU sensitivity pass). Only types cross into app/.
import * as Comlink from 'comlink';
import type { CalibrateWorkerApi } from '../workers/calibrate.worker.ts';
import type { DynamicWorkerApi } from '../workers/dynamic.worker.ts';
import type { EvaluateWorkerApi } from '../workers/evaluate.worker.ts';

let calibrate: Comlink.Remote<CalibrateWorkerApi> | null = null;
let evaluate: Comlink.Remote<EvaluateWorkerApi> | null = null;
let dynamic: Comlink.Remote<DynamicWorkerApi> | null = null;

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

export function dynamicWorker(): Comlink.Remote<DynamicWorkerApi> {
  dynamic ??= Comlink.wrap<DynamicWorkerApi>(
    new Worker(new URL('../workers/dynamic.worker.ts', import.meta.url), { type: 'module', name: 'dynamic' }),
  );
  return dynamic;
}
