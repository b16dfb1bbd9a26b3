// llama-imatrix's collection on the reference forward: for every matmul whose weight is a blk.*
// tensor, Σx² per input column over every token of every chunk (added row by row into float32,
// as imatrix.cpp does) and the token count; for stacked experts, per expert over the tokens
// routed to it, with a count per expert. Chunks as llama-imatrix cuts them (chunkTokens).
import { chunkTokens } from '../forward/chunks.ts';
import type { ForwardHooks, ForwardModel, WeightSource } from '../forward/forward-types.ts';
import { runForward } from '../forward/run-forward.ts';
import type { ImatrixStats } from './imatrix-stats.ts';

export interface CollectImatrixOptions {
  /** n_ctx, llama-imatrix's -c (default 512). */
  contextSize?: number;
  /** --chunks (all that fit when undefined). */
  maxChunks?: number;
  /** BOS id when the vocabulary adds BOS (each chunk then starts with it), else null. */
  bos: number | null;
  /** Chunks per forward pass (each pass streams the weights once); default 16. */
  chunksPerPass?: number;
  /** KV cache precision to reproduce (see ForwardRequest.kvCache); default 'f32'. */
  kvCache?: 'f32' | 'f16';
  /** Round matmul activations as ggml's CPU backend does for each weight's type (see ForwardRequest.ggmlCpuActivations). */
  ggmlCpuActivations?: boolean;
  onProgress?: (chunksDone: number, chunksTotal: number) => void;
}

/** Adds Σx² of each row of x (rows × cols) into `sums`, one float32 rounding per operation. */
export function accumulateSquares(sums: Float32Array, x: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = x[o + j]!;
      sums[j] = Math.fround(sums[j]! + Math.fround(v * v));
    }
  }
}

/** Forward hooks that add every blk.* matmul's inputs into `entries` (per expert for stacked experts). */
export function imatrixHooks(entries: ImatrixStats['entries']): ForwardHooks {
  return {
    onMatmulInput(name, x, rows, cols) {
      let e = entries.get(name);
      if (!e) entries.set(name, (e = { sums: new Float32Array(cols), count: 0 }));
      accumulateSquares(e.sums, x, rows, cols);
      e.count += rows;
    },
    onExpertMatmulInput(name, expert, experts, x, rows, cols) {
      let e = entries.get(name);
      if (!e) entries.set(name, (e = { sums: new Float32Array(cols * experts), count: 0, expertCounts: new Array<number>(experts).fill(0) }));
      accumulateSquares(e.sums.subarray(expert * cols, (expert + 1) * cols), x, rows, cols);
      e.count += rows;
      e.expertCounts![expert]! += rows;
    },
  };
}

export async function collectImatrix(model: ForwardModel, weights: WeightSource, tokens: readonly number[], options: CollectImatrixOptions): Promise<ImatrixStats> {
  const contextSize = options.contextSize ?? 512;
  const chunks = chunkTokens(tokens, { contextSize, maxChunks: options.maxChunks, bos: options.bos }, 'imatrix text');
  const entries: ImatrixStats['entries'] = new Map();
  const perPass = Math.max(1, options.chunksPerPass ?? 16);
  for (let c = 0; c < chunks.length; c += perPass) {
    await runForward(model, weights, {
      sequences: chunks.slice(c, c + perPass),
      kvCache: options.kvCache,
      ggmlCpuActivations: options.ggmlCpuActivations,
      hooks: imatrixHooks(entries),
    });
    options.onProgress?.(Math.min(c + perPass, chunks.length), chunks.length);
  }
  return { entries, chunkCount: chunks.length, chunkSize: contextSize };
}
