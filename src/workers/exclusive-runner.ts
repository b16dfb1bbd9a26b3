// One call at a time in a worker, with a cancel that also reaches calls still waiting. A call
// cancelled by the page is not a reason to refuse the next one (the page cancels an old model's
// measurement and starts the new model's at once): the next waits for it to unwind instead of
// answering "already running". A call that is still running un-cancelled is refused.
import { CancelledError } from '../core/cancellation.ts';

export interface ExclusiveRunner {
  run<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Aborts the running call and any call waiting for it to unwind. */
  cancel(reason: unknown): void;
  /** The running call's signal (the quantizer checks it between slices). */
  signal(): AbortSignal | undefined;
  /** Aborts the running call only (e.g. a lost device), waiting calls go ahead. */
  abortRunning(reason: unknown): void;
}

export function exclusiveRunner(owner: string): ExclusiveRunner {
  let running: AbortController | null = null;
  let settled: Promise<unknown> = Promise.resolve();
  let cancels = 0;
  return {
    async run(what, work) {
      const asked = cancels;
      while (running?.signal.aborted) await settled.catch(() => undefined);
      if (cancels !== asked) throw new CancelledError('The measurement was cancelled');
      if (running) throw new Error(`${owner}: a measurement is already running; cancel it before ${what}`);
      const controller = new AbortController();
      running = controller;
      const done = (async () => {
        try {
          return await work(controller.signal);
        } finally {
          if (running === controller) running = null;
        }
      })();
      settled = done;
      return done;
    },
    cancel(reason) {
      cancels++;
      running?.abort(reason);
    },
    signal: () => running?.signal,
    abortRunning(reason) {
      running?.abort(reason);
    },
  };
}
