// The CPU forward's matrix products on every core (for the command line's imatrix and eval): the
// calling thread and N−1 worker threads each compute a range of a product's outputs. The forward
// is synchronous code, so a job is handed over and awaited through Atomics on shared memory, not
// messages. Weights go to the threads in slices through one shared buffer, so memory stays at a
// slice (not a copy of the model) however large the matrix. Results are bit-identical to one
// thread's (see MatmulThreads). Idle threads do not keep the process alive; dispose() ends them.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { matmulRangeInto, type MatmulSums, type MatmulThreads } from '../core/forward/wasm/matmul-wasm.ts';
import { CONTROL_SLOTS, partRange, SLOT, type MatmulBuffers, type MatmulThreadData } from './matmul-protocol.node.ts';
import { startModuleWorker } from './ts-worker.node.ts';

export interface ParallelMatmul extends MatmulThreads {
  /** Threads computing each product, the caller included. */
  readonly threads: number;
  /** Ends the worker threads. */
  dispose(): Promise<void>;
}

/** Weight bytes handed to the threads at a time. */
const SLICE_BYTES = 32 << 20;
/** Below this a product is over before the threads would wake (about a millisecond of work). */
const MIN_MULTIPLY_ADDS = 1 << 22;

/** `threads` computing each product (default: one per core, at most 8), the caller included. */
export function startParallelMatmul(threads = Math.min(8, availableParallelism())): ParallelMatmul {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`parallel matmul: ${threads} threads (it needs at least 2)`);
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  let buffers: MatmulBuffers = { x: new SharedArrayBuffer(0), w: new SharedArrayBuffer(0), y: new SharedArrayBuffer(0) };
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let part = 1; part < threads; part++) {
    const { port1, port2 } = new MessageChannel();
    const data: MatmulThreadData = { control: control.buffer as SharedArrayBuffer, port: port2, part, buffers };
    const worker = startModuleWorker(new URL('./matmul-thread.node.ts', import.meta.url), { workerData: data, transferList: [port2] });
    worker.unref();
    port1.unref();
    ports.push(port1);
    workers.push(worker);
  }
  let disposed = false;

  /** Replaces a buffer smaller than `bytes` (doubling), telling every thread. */
  const ensure = (name: keyof MatmulBuffers, bytes: number): void => {
    if (buffers[name].byteLength >= bytes) return;
    buffers = { ...buffers, [name]: new SharedArrayBuffer(Math.max(bytes, 2 * buffers[name].byteLength)) };
    for (const port of ports) port.postMessage(buffers);
  };

  /** Starts the threads on the current job, runs the caller's part, and waits for theirs. */
  const runSlice = (callerPart: () => void): void => {
    Atomics.store(control, SLOT.done, 0);
    Atomics.store(control, SLOT.failed, 0);
    Atomics.add(control, SLOT.generation, 1);
    Atomics.notify(control, SLOT.generation);
    let callerError: unknown = null;
    try {
      callerPart();
    } catch (e) {
      callerError = e;
    }
    for (let done = Atomics.load(control, SLOT.done); done < threads - 1; done = Atomics.load(control, SLOT.done)) {
      Atomics.wait(control, SLOT.done, done);
    }
    if (callerError) throw callerError;
    if (Atomics.load(control, SLOT.failed) === 1) {
      const messages = ports.map((p) => receiveMessageOnPort(p)?.message).filter((m) => m !== undefined);
      throw new Error(`parallel matmul: a thread failed: ${messages.join('\n')}`);
    }
  };

  return {
    threads,
    minMultiplyAdds: MIN_MULTIPLY_ADDS,
    multiplyInto(x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number, sums: MatmulSums, y: Float32Array): void {
      if (disposed) throw new Error('parallel matmul: the threads were disposed');
      const sliceOut = Math.min(outCols, Math.max(threads, Math.floor(SLICE_BYTES / (cols * 4))));
      ensure('x', rows * cols * 4);
      ensure('w', sliceOut * cols * 4);
      ensure('y', rows * sliceOut * 4);
      new Float32Array(buffers.x, 0, rows * cols).set(x.subarray(0, rows * cols));
      control[SLOT.rows] = rows;
      control[SLOT.cols] = cols;
      control[SLOT.sums] = sums === 'float' ? 1 : 0;
      control[SLOT.parts] = threads;
      for (let o0 = 0; o0 < outCols; o0 += sliceOut) {
        const n = Math.min(sliceOut, outCols - o0);
        const first = partRange(n, 1, threads).from;
        new Float32Array(buffers.w, 0, (n - first) * cols).set(w.subarray((o0 + first) * cols, (o0 + n) * cols));
        control[SLOT.outputs] = n;
        const ySlice = new Float32Array(buffers.y, 0, rows * n);
        runSlice(() => matmulRangeInto(x, rows, cols, w.subarray(o0 * cols, (o0 + first) * cols), first, sums, ySlice, n, 0));
        for (let r = 0; r < rows; r++) y.set(ySlice.subarray(r * n, r * n + n), r * outCols + o0);
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      Atomics.store(control, SLOT.stop, 1);
      Atomics.add(control, SLOT.generation, 1);
      Atomics.notify(control, SLOT.generation);
      await Promise.all(workers.map((w) => w.terminate()));
      for (const port of ports) port.close();
    },
  };
}
