// One job at a time, and a cancel reaches exactly the workers the job started.
import { describe, expect, it, vi } from 'vitest';
import { isCancellation } from '../core/cancellation.ts';
import { jobSlot } from './job-slot.ts';

const worker = () => ({ cancel: vi.fn() });

describe('jobSlot', () => {
  it('refuses a second job while one runs, and is free again once it finishes', () => {
    const slot = jobSlot<ReturnType<typeof worker>>('measurement');
    const job = slot.start()!;
    expect(slot.start()).toBeNull();
    expect(slot.busy()).toBe(true);
    slot.finish(job);
    expect(slot.busy()).toBe(false);
    expect(slot.start()).not.toBeNull();
  });

  it('cancels exactly the workers the job started, once', () => {
    const slot = jobSlot<ReturnType<typeof worker>>('measurement');
    const [a, b, c] = [worker(), worker(), worker()];
    const job = slot.start()!;
    job.use([a, b]);
    expect(slot.cancel()).toBe(true);
    expect(slot.cancel()).toBe(false);
    expect(a.cancel).toHaveBeenCalledTimes(1);
    expect(b.cancel).toHaveBeenCalledTimes(1);
    expect(c.cancel).not.toHaveBeenCalled();
    expect(job.cancelled).toBe(true);
  });

  it('a job cancelled before it reached its workers starts none', () => {
    const slot = jobSlot<ReturnType<typeof worker>>('measurement');
    const job = slot.start()!;
    slot.cancel();
    let thrown: unknown;
    try {
      job.use([worker()]);
    } catch (e) {
      thrown = e;
    }
    expect(isCancellation(thrown)).toBe(true);
    expect(job.workers).toEqual([]);
  });

  it('a finished job no longer holds the slot, even if cancelled after', () => {
    const slot = jobSlot<ReturnType<typeof worker>>('measurement');
    const old = slot.start()!;
    slot.finish(old);
    const next = slot.start()!;
    slot.finish(old);
    expect(slot.isRunning(next)).toBe(true);
  });

  it('a cancelled job still unwinding does not hold the slot: the next starts, and the old one is not running', () => {
    const slot = jobSlot<ReturnType<typeof worker>>('measurement');
    const old = slot.start()!;
    slot.cancel();
    const next = slot.start()!;
    expect(next).not.toBeNull();
    expect(slot.isRunning(old)).toBe(false);
    slot.finish(old);
    expect(slot.isRunning(next)).toBe(true);
  });
});
