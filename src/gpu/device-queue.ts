// One queue of GPU work per GPUDevice. Error scopes are a per-device stack: two tasks that push
// and pop scopes across awaits would, once interleaved, pop each other's scopes and blame each
// other's errors. So every task that uses error scopes (quantizers, dequantizers, the forward
// pass) runs through its device's queue, one at a time, in the order called.
import { isCancellation } from '../core/cancellation.ts';

/** Proof that the holder's task owns the device queue: pass it to nested work on that device. */
export interface DeviceTurn {
  readonly device: GPUDevice;
}

const queues = new WeakMap<GPUDevice, Promise<unknown>>();

/**
 * Runs `task` inside out-of-memory and validation error scopes, alone on the device. With the
 * caller's `turn` (work nested in a task that already owns the queue) it runs at once: the scopes
 * nest strictly, so attribution stays right; waiting would deadlock.
 */
export function runOnDevice<T>(
  device: GPUDevice, what: string, task: (turn: DeviceTurn) => Promise<T>, turn?: DeviceTurn,
): Promise<T> {
  if (turn) {
    if (turn.device !== device) throw new Error(`${what}: the turn held is for another device`);
    return withErrorScopes(device, what, () => task(turn));
  }
  const run = (queues.get(device) ?? Promise.resolve()).then(() => withErrorScopes(device, what, () => task({ device })));
  queues.set(device, run.catch(() => undefined));
  return run;
}

async function withErrorScopes<T>(device: GPUDevice, what: string, task: () => Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let failure: unknown = null;
  try {
    result = await task();
  } catch (error) {
    failure = error ?? new Error(`${what}: failed`);
  }
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  // A cancellation is what the user asked for: it stays a cancellation whatever the GPU said.
  if (isCancellation(failure)) throw failure;
  // A WebGPU error is the cause of whatever failed after it (a map of an invalid buffer...).
  const gpuError = validation ?? oom;
  if (gpuError) throw new Error(`${what}: WebGPU error: ${gpuError.message}`);
  if (failure) throw failure;
  return result as T;
}
