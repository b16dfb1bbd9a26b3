/** What llama-imatrix accumulates, before llama-quantize divides sums by counts. */
export interface ImatrixStats {
  /** Weight name (blk.N.attn_q.weight, …) -> per-column Σx² (float32 as llama.cpp sums) and tokens seen. */
  entries: Map<string, ImatrixEntry>;
  /** Chunks processed (imatrix.chunk_count). */
  chunkCount: number;
  /** Tokens per chunk, n_ctx (imatrix.chunk_size). */
  chunkSize: number;
}

export interface ImatrixEntry {
  /** Σx² per input column; for stacked experts, one row of columns per expert (expert-major). */
  sums: Float32Array;
  /** Rows seen (for stacked experts: routed rows, all experts together). */
  count: number;
  /**
   * Stacked experts only: rows routed to each expert (llama-imatrix's per-expert counts). An
   * expert no token reached keeps 0 here and zero sums; llama-quantize then weighs its columns
   * evenly (all 1), as it does for a tensor without an imatrix.
   */
  expertCounts?: number[];
}

/** An independent copy (sums and counts), for checkpoints and resumes. */
export function copyImatrixEntry(e: ImatrixEntry): ImatrixEntry {
  return { sums: e.sums.slice(), count: e.count, ...(e.expertCounts ? { expertCounts: [...e.expertCounts] } : {}) };
}
