// What one GpuForward run moved and dispatched, so that the cost of a forward (and of each
// sensitivity measurement built on it) is a figure, not a guess. Counted where the bytes are
// written (writeBuffer) and where dispatches are recorded; no GPU timing is involved.

export interface GpuForwardStats {
  /** Bytes written to weight buffers: the stored bytes (or f32 where a norm/bias is widened). */
  weightBytesUploaded: number;
  /** Of those, bytes uploaded per storage type as given by the source (F32, F16, Q4_K …). */
  weightBytesByType: Record<string, number>;
  /** Stored bytes of weights that the GPU decoded to f32 buffers before the matmul (GPU→GPU). */
  weightBytesDecodedOnGpu: number;
  /** Bytes written for activations: hidden states, rope tables, positions, imatrix sums. */
  activationBytesUploaded: number;
  /** Bytes of dispatch parameters (uniform arenas). */
  paramBytesUploaded: number;
  /** Weight bytes of the chunks matmul dispatches bind (each read at least once per dispatch). */
  matmulWeightBytesRead: number;
  /** Dispatches of each layer (index = layer), summed over the groups of sequences. */
  dispatchesPerLayer: number[];
  /** All dispatches of the forward, the output head included (weight decoding runs on the dequantizer). */
  dispatches: number;
  submissions: number;
}

export function emptyForwardStats(): GpuForwardStats {
  return {
    weightBytesUploaded: 0, weightBytesByType: {}, weightBytesDecodedOnGpu: 0,
    activationBytesUploaded: 0, paramBytesUploaded: 0, matmulWeightBytesRead: 0,
    dispatchesPerLayer: [], dispatches: 0, submissions: 0,
  };
}

export function countWeightUpload(stats: GpuForwardStats | undefined, type: string, bytes: number): void {
  if (!stats) return;
  stats.weightBytesUploaded += bytes;
  stats.weightBytesByType[type] = (stats.weightBytesByType[type] ?? 0) + bytes;
}
