// The sensitivity worker's one-call-at-a-time rule: a cancelled call never blocks the next one
// (the page's model switch), a running one does, and a cancel reaches a call still waiting.
import { describe, expect, it } from 'vitest';
import { exclusiveRunner } from './exclusive-runner.ts';

/** Work that runs until aborted, then takes `unwindMs` to let go (a measurement's next step). */
function untilAborted(unwindMs: number, log: string[], name: string) {
  return (signal: AbortSignal) => new Promise<string>((_, reject) => {
    signal.addEventListener('abort', () => setTimeout(() => {
      log.push(`${name} unwound`);
      reject(signal.reason);
    }, unwindMs));
  });
}

const cancelled = () => new DOMException('cancelled', 'AbortError');

describe('exclusiveRunner', () => {
  it('refuses a second call while the first runs un-cancelled', async () => {
    const calls = exclusiveRunner('w');
    const log: string[] = [];
    const first = calls.run('a', untilAborted(0, log, 'first'));
    await expect(calls.run('measuring', async () => 'second')).rejects.toThrow('w: a measurement is already running; cancel it before measuring');
    calls.cancel(cancelled());
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('after a cancel, the next call waits for the cancelled one to unwind, then runs', async () => {
    const calls = exclusiveRunner('w');
    const log: string[] = [];
    const first = calls.run('a', untilAborted(30, log, 'first'));
    calls.cancel(cancelled());
    const second = calls.run('b', async (signal) => {
      log.push(`second started (aborted: ${signal.aborted})`);
      return 'done';
    });
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await expect(second).resolves.toBe('done');
    expect(log).toEqual(['first unwound', 'second started (aborted: false)']);
  });

  it('a cancel that comes while a call waits cancels that call too', async () => {
    const calls = exclusiveRunner('w');
    const log: string[] = [];
    const first = calls.run('a', untilAborted(30, log, 'first'));
    calls.cancel(cancelled());
    let ran = false;
    const second = calls.run('b', async () => {
      ran = true;
      return 'done';
    });
    calls.cancel(cancelled());
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect(ran).toBe(false);
    // And the runner is free again.
    await expect(calls.run('c', async () => 'third')).resolves.toBe('third');
  });

  it('abortRunning (a lost device) stops the running call only', async () => {
    const calls = exclusiveRunner('w');
    const first = calls.run('a', untilAborted(10, [], 'first'));
    calls.abortRunning(new Error('device lost'));
    await expect(first).rejects.toThrow('device lost');
    await expect(calls.run('b', async () => 'next')).resolves.toBe('next');
    expect(calls.signal()).toBeUndefined();
  });
});
