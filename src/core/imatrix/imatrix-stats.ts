/** What llama-imatrix accumulates, before llama-quantize divides sums by counts. */
export interface ImatrixStats {
  /** Weight name (blk.N.attn_q.weight, …) -> per-column Σx² (float32 as llama.cpp sums) and tokens seen. */
  entries: Map<string, { sums: Float32Array; count: number }>;
  /** Chunks processed (imatrix.chunk_count). */
  chunkCount: number;
  /** Tokens per chunk, n_ctx (imatrix.chunk_size). */
  chunkSize: number;
}
