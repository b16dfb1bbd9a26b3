// The main thread's handles on the analysis workers, started on first use: calibrate and evaluate
// (each owns its own GPUDevice) and dynamic (the CPU sensitivity pass). Only types cross into app/.
import * as Comlink from 'comlink';
import type { CalibrateWorkerApi, DynamicWorkerApi, EvaluateWorkerApi } from '../workers/protocol.ts';

let calibrate: Comlink.Remote<CalibrateWorkerApi> | null = null;
let evaluate: Comlink.Remote<EvaluateWorkerApi> | null = null;
const dynamic: Comlink.Remote<DynamicWorkerApi>[] = [];

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

/** The first `count` sensitivity workers (each measures a shard; started on first use). */
export function dynamicWorkers(count: number): Comlink.Remote<DynamicWorkerApi>[] {
  while (dynamic.length < count) {
    dynamic.push(Comlink.wrap<DynamicWorkerApi>(
      new Worker(new URL('../workers/dynamic.worker.ts', import.meta.url), { type: 'module', name: `dynamic-${dynamic.length}` }),
    ));
  }
  return dynamic.slice(0, count);
}

export const dynamicWorker = (): Comlink.Remote<DynamicWorkerApi> => dynamicWorkers(1)[0]!;
