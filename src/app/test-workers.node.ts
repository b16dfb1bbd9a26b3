// Stand-ins for the workers in the app's unit tests (tests only): every call returns a promise
// the test settles, and every call and cancel is recorded.
import { vi } from 'vitest';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A worker whose methods each return a new pending call, kept in `calls[method]` in order. */
export function fakeWorker<M extends string>(methods: readonly M[]) {
  const calls = Object.fromEntries(methods.map((m) => [m, [] as { args: unknown[]; result: Deferred<unknown> }[]])) as Record<M, { args: unknown[]; result: Deferred<unknown> }[]>;
  const worker = Object.fromEntries(methods.map((m) => [m, vi.fn((...args: unknown[]) => {
    const result = deferred<unknown>();
    calls[m].push({ args, result });
    return result.promise;
  })])) as Record<M, ReturnType<typeof vi.fn>>;
  return { worker: { ...worker, cancel: vi.fn(async () => undefined) }, calls };
}

/** Lets the promises already settled run their continuations. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

type FakeWorker = ReturnType<typeof fakeWorker>;

/** analysis-clients.ts with stand-ins: the sensitivity workers from `dynamic()`, the others only cancelled. */
export function fakeAnalysisClients(dynamic: () => FakeWorker[]) {
  return {
    dynamicWorkers: (count: number) => dynamic().slice(0, count).map((w) => w.worker),
    dynamicWorker: () => dynamic()[0]!.worker,
    calibrateWorker: () => ({ cancel: vi.fn() }),
    evaluateWorker: () => ({ cancel: vi.fn() }),
  };
}

/** calibration-data.ts without the default set's fetch: no user files, a fixed key. */
export const fakeCalibrationData = {
  calibrationTexts: async () => ({ defaultSet: null, userFiles: [], datasetKey: 'data' }),
  refreshCalibrationDataKey: async () => undefined,
};
