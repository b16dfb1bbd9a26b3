// One job at a time on a set of workers, guarded one way: a job is started only while none runs,
// it records the workers it sets to work as it starts them, and a cancel stops exactly those
// (never a set recomputed from settings that may have changed since). A job cancelled before it
// reached its workers starts none. A cancelled job does not hold the slot while it unwinds: the
// next job starts at once (the workers queue its calls until the cancelled ones have unwound,
// exclusive-runner.ts), and the cancelled one is no longer the running one.
import { CancelledError } from '../core/cancellation.ts';

export interface CancellableWorker {
  cancel(): unknown;
}

export interface Job<W extends CancellableWorker> {
  readonly cancelled: boolean;
  /** The workers this job set to work, in the order it started them. */
  readonly workers: readonly W[];
  /** Records `workers` as this job's before any is called; throws CancelledError if it was cancelled. */
  use(workers: readonly W[]): readonly W[];
}

export interface JobSlot<W extends CancellableWorker> {
  /** A new job, or null while one is running un-cancelled (the caller says why, or waits). */
  start(): Job<W> | null;
  /** Cancels the running job's workers; false when none was running. */
  cancel(): boolean;
  /** The job is done (settled, however): the slot is free again. */
  finish(job: Job<W>): void;
  isRunning(job: Job<W>): boolean;
  busy(): boolean;
}

export function jobSlot<W extends CancellableWorker>(what: string): JobSlot<W> {
  let active: (Job<W> & { cancelled: boolean; workers: W[] }) | null = null;
  return {
    start() {
      if (active && !active.cancelled) return null;
      const job = {
        cancelled: false,
        workers: [] as W[],
        use(workers: readonly W[]) {
          if (job.cancelled) throw new CancelledError(`The ${what} was cancelled`);
          job.workers.push(...workers);
          return workers;
        },
      };
      active = job;
      return job;
    },
    cancel() {
      const job = active;
      if (!job || job.cancelled) return false;
      job.cancelled = true;
      for (const w of job.workers) void w.cancel();
      return true;
    },
    finish(job) {
      if (active === job) active = null;
    },
    isRunning: (job) => active === job,
    busy: () => active !== null,
  };
}
