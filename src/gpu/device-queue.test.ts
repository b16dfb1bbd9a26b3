// The device queue without a GPU: a fake device records the error-scope stack, so the test sees
// whether two tasks on one device ever interleave their scopes.
import { describe, expect, it } from 'vitest';
import { runOnDevice } from './device-queue.ts';

function fakeDevice() {
  const log: string[] = [];
  let depth = 0;
  let pendingError: string | null = null;
  const device = {
    pushErrorScope: (filter: string) => { depth++; log.push(`push ${filter}`); },
    popErrorScope: async () => {
      depth--;
      log.push('pop');
      const error = depth === 1 && pendingError ? { message: pendingError } : null;
      if (error) pendingError = null;
      return error;
    },
  };
  return { device: device as unknown as GPUDevice, log, depth: () => depth, fail: (m: string) => { pendingError = m; } };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('runOnDevice', () => {
  it('runs tasks on one device one after another, each inside its own scopes', async () => {
    const fake = fakeDevice();
    const task = (name: string) => async () => {
      fake.log.push(`${name} start at depth ${fake.depth()}`);
      await tick();
      fake.log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([runOnDevice(fake.device, 'a', task('a')), runOnDevice(fake.device, 'b', task('b'))]);
    expect(results).toEqual(['a', 'b']);
    expect(fake.log).toEqual([
      'push out-of-memory', 'push validation', 'a start at depth 2', 'a end', 'pop', 'pop',
      'push out-of-memory', 'push validation', 'b start at depth 2', 'b end', 'pop', 'pop',
    ]);
  });

  it('runs work nested in a held turn at once, its scopes inside the holder', async () => {
    const fake = fakeDevice();
    const inner = await runOnDevice(fake.device, 'outer', (turn) =>
      runOnDevice(fake.device, 'inner', async () => fake.depth(), turn));
    expect(inner).toBe(4);
    expect(fake.depth()).toBe(0);
  });

  it('blames a WebGPU error on the task that made it, and the next task still runs', async () => {
    const fake = fakeDevice();
    const failing = runOnDevice(fake.device, 'first', async () => { fake.fail('bad binding'); });
    const next = runOnDevice(fake.device, 'second', async () => 'ok');
    await expect(failing).rejects.toThrow('first: WebGPU error: bad binding');
    await expect(next).resolves.toBe('ok');
  });

  it('passes a task failure on after popping its scopes', async () => {
    const fake = fakeDevice();
    await expect(runOnDevice(fake.device, 't', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(fake.depth()).toBe(0);
  });
});
