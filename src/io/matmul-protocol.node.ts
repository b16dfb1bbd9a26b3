// What parallel-matmul.node.ts and its threads (matmul-thread.node.ts) share: the slots of the
// control array, and the buffers a thread reads its job from.
import type { MessagePort } from 'node:worker_threads';

/** Int32 slots of the control SharedArrayBuffer. */
export const SLOT = {
  /** Bumped by the caller for each job (and for the stop); threads wait on it. */
  generation: 0,
  /** Threads that finished the current job; the caller waits on it. */
  done: 1,
  rows: 2,
  cols: 3,
  /** Outputs in the current slice. */
  outputs: 4,
  /** 0: double sums, 1: float sums. */
  sums: 5,
  /** Threads sharing the job, the caller included. */
  parts: 6,
  /** 1: the threads end. */
  stop: 7,
  /** Set by a thread whose job failed; its message follows on its port. */
  failed: 8,
} as const;

export const CONTROL_SLOTS = 9;

/**
 * x (rows × cols), the slice's weight rows from the first thread's range on (the caller reads its
 * own from the weights directly), and y (rows × slice outputs). Replaced, on the thread's port,
 * whenever one grows.
 */
export interface MatmulBuffers {
  x: SharedArrayBuffer;
  w: SharedArrayBuffer;
  y: SharedArrayBuffer;
}

export interface MatmulThreadData {
  control: SharedArrayBuffer;
  /** Buffers in, failure messages out; read synchronously (receiveMessageOnPort) on both sides. */
  port: MessagePort;
  /** This thread's place among the parts (the caller is part 0). */
  part: number;
  buffers: MatmulBuffers;
}

/** Outputs [from, to) of a slice of `outputs` that part `part` of `parts` computes. */
export function partRange(outputs: number, part: number, parts: number): { from: number; to: number } {
  return { from: Math.floor((outputs * part) / parts), to: Math.floor((outputs * (part + 1)) / parts) };
}
