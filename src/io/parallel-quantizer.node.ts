// The CPU quantizer on every core: a pool of worker threads, each quantizing a contiguous range of
// a call's rows. Rows go through two shared buffers (float32 or raw BF16 in, blocks out) that grow
// to the largest call and are reused, so memory stays bounded and nothing is cloned per thread.
// BF16 rows (quantizeBf16Rows, which the export uses when it can) are widened on the threads too,
// leaving the main thread only the download, the sha256 and one copy. Calls run one at a time
// (each uses every thread); results are byte-identical to cpuRowQuantizer because each thread
// runs the same code on whole rows, and rows are independent.
// Threads start on the first call; idle threads do not keep the process alive; dispose() ends them.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { quantizedRowsBytes, supportsQuantizeCpu } from '../core/quant/cpu-quantizer.ts';
import type { Bf16RowQuantizer } from '../core/export/export-gguf.ts';
import type { QuantizerJob, QuantizerJobResult } from './quantizer-protocol.node.ts';
import { startModuleWorker } from './ts-worker.node.ts';

export interface ParallelQuantizerOptions {
  /** Worker threads (default: os.availableParallelism(), at most DEFAULT_MAX_THREADS). */
  threads?: number;
  /** A call smaller than this many values per thread uses fewer threads (default 64K). */
  minValuesPerThread?: number;
}

export interface ParallelRowQuantizer extends Bf16RowQuantizer {
  readonly threads: number;
  /** Ends the threads; calls after this fail. */
  dispose(): Promise<void>;
}

/**
 * Each thread costs about 20 MB of memory; eight already quantize Q8_0 faster than any download
 * delivers BF16, so more are used only when asked for.
 */
export const DEFAULT_MAX_THREADS = 8;

interface Pending {
  resolve(finite: boolean): void;
  reject(error: Error): void;
  what: string;
}

class QuantizerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor() {
    this.worker = startModuleWorker(new URL('./quantizer-thread.node.ts', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (r: QuantizerJobResult) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      if (r.error === null) p.resolve(r.finite);
      else p.reject(new Error(`${p.what}: ${r.error}`));
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const p of this.pending.values()) p.reject(new Error(`${p.what}: the quantizer thread failed: ${error.message}`));
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`it exited with code ${code}`)));
  }

  get alive(): boolean {
    return this.failure === null;
  }

  /** Resolves with false when the job's BF16 input held Inf or NaN. */
  run(job: QuantizerJob, what: string): Promise<boolean> {
    if (this.failure) return Promise.reject(new Error(`${what}: the quantizer thread failed: ${this.failure.message}`));
    return new Promise<boolean>((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject, what });
      this.worker.ref(); // a process waiting on this job must not exit
      this.worker.postMessage(job);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('the pool was disposed');
    await this.worker.terminate();
  }
}

export function createParallelRowQuantizer(options: ParallelQuantizerOptions = {}): ParallelRowQuantizer {
  const threadCount = Math.max(1, Math.floor(options.threads ?? Math.min(DEFAULT_MAX_THREADS, availableParallelism())));
  const minValuesPerThread = options.minValuesPerThread ?? 1 << 16;
  const threads: (QuantizerThread | null)[] = new Array(threadCount).fill(null);
  let inputBuffer = new SharedArrayBuffer(0);
  let outputBuffer = new SharedArrayBuffer(0);
  let queue: Promise<unknown> = Promise.resolve();
  let nextId = 0;
  let disposed = false;

  const thread = (i: number): QuantizerThread => {
    const t = threads[i];
    if (t?.alive) return t;
    return (threads[i] = new QuantizerThread()); // a failed thread is replaced for the next call
  };

  /** Runs one call on the threads: `input` holds `values` elements of `format`, whole rows of `cols`. */
  const quantize = async (
    type: GgmlTypeName, format: 'f32' | 'bf16', input: Uint8Array, values: number, cols: number, imatrix: Float32Array | null,
  ): Promise<{ data: Uint8Array; finite: boolean }> => {
    if (disposed) throw new Error(`parallel quantizer, ${type}: the pool was disposed`);
    // The same checks (and messages) as quantizeRowsCpu.
    const totalBytes = quantizedRowsBytes(type, values, cols, imatrix);
    const rows = values / cols;
    const bytesPerRow = totalBytes / rows;
    if (inputBuffer.byteLength < input.byteLength) inputBuffer = new SharedArrayBuffer(input.byteLength);
    if (outputBuffer.byteLength < totalBytes) outputBuffer = new SharedArrayBuffer(totalBytes);
    new Uint8Array(inputBuffer, 0, input.byteLength).set(input);
    // A view into a larger buffer would be cloned whole into every message: send just its values.
    const weights = imatrix ? imatrix.slice() : null;
    const parts = Math.max(1, Math.min(threadCount, rows, Math.floor(values / minValuesPerThread)));
    const jobs: Promise<boolean>[] = [];
    for (let part = 0; part < parts; part++) {
      const firstRow = Math.floor((rows * part) / parts);
      const endRow = Math.floor((rows * (part + 1)) / parts);
      const job: QuantizerJob = {
        id: nextId++, type, cols, imatrix: weights, format,
        input: inputBuffer, srcOffset: firstRow * cols, srcLength: (endRow - firstRow) * cols,
        output: outputBuffer, dstOffset: firstRow * bytesPerRow, dstLength: (endRow - firstRow) * bytesPerRow,
      };
      jobs.push(thread(part).run(job, `parallel quantizer, ${type} rows ${firstRow}-${endRow - 1}`));
    }
    // Every part settles before the shared buffers are reused by the next call.
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const finite = results.every((r) => r.status === 'fulfilled' && r.value);
    const data = new Uint8Array(totalBytes);
    if (finite) data.set(new Uint8Array(outputBuffer, 0, totalBytes));
    return { data, finite };
  };

  /** One call at a time: they share the buffers (and each uses every thread anyway). */
  const enqueue = <T>(call: () => Promise<T>): Promise<T> => {
    const result = queue.then(call);
    queue = result.catch(() => {});
    return result;
  };

  return {
    name: 'cpu',
    threads: threadCount,
    supports: supportsQuantizeCpu,
    quantizeRows(type, src, cols, imatrix) {
      return enqueue(async () => {
        const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
        return (await quantize(type, 'f32', bytes, src.length, cols, imatrix)).data;
      });
    },
    quantizeBf16Rows(type, bytes, cols, imatrix) {
      return enqueue(async () => {
        if (bytes.byteLength % 2 !== 0) throw new Error(`parallel quantizer, ${type}: ${bytes.byteLength} bytes are not whole BF16 values`);
        return quantize(type, 'bf16', bytes, bytes.byteLength / 2, cols, imatrix);
      });
    },
    async dispose() {
      disposed = true;
      await Promise.all(threads.map((t) => t?.terminate()));
    },
  };
}
