/** An importance matrix as llama-quantize uses it: per tensor, one weight per column (per expert). */
export interface ImportanceMatrix {
  /** GGUF tensor name -> per-column mean of squared activations (ne0 * n_expert values). */
  entries: Map<string, Float32Array>;
  datasets: string[];
  /** Chunks it was computed on (0 when the file does not say). */
  chunkCount: number;
}
