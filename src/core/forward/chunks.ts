// llama-imatrix's and llama-perplexity's chunking: the token stream (tokenized once, with BOS
// when the vocabulary adds it) cut into n_ctx-token chunks; each chunk's first token is replaced
// by BOS when add_bos. Both tools refuse text shorter than two chunks.
export interface ChunkOptions {
  contextSize: number;
  /** At most this many chunks (all that fit when undefined). */
  maxChunks?: number;
  /** BOS id when the vocabulary adds BOS, else null. */
  bos: number | null;
}

export function chunkTokens(tokens: readonly number[], options: ChunkOptions, what = 'text'): number[][] {
  const n = options.contextSize;
  if (!Number.isInteger(n) || n < 2) throw new Error(`${what}: context size ${n} must be an integer of at least 2`);
  if (tokens.length < 2 * n) {
    throw new Error(`${what}: ${tokens.length} tokens is too short for a context of ${n} (llama.cpp needs at least ${2 * n})`);
  }
  const available = Math.floor(tokens.length / n);
  const count = options.maxChunks === undefined || options.maxChunks < 0 ? available : Math.min(options.maxChunks, available);
  const chunks: number[][] = [];
  for (let c = 0; c < count; c++) {
    const chunk = tokens.slice(c * n, (c + 1) * n);
    if (options.bos !== null) chunk[0] = options.bos;
    chunks.push(chunk);
  }
  return chunks;
}
