// The messages between the parallel CPU quantizer and its threads. Rows travel through shared
// memory: the input float32 and the output blocks are views at these offsets, never copies.
import type { GgmlTypeName } from '../core/ggml-type.ts';

export interface QuantizerJob {
  id: number;
  type: GgmlTypeName;
  cols: number;
  imatrix: Float32Array | null;
  /** How the input holds the values: float32, or little-endian BF16 that the thread widens. */
  format: 'f32' | 'bf16';
  input: SharedArrayBuffer;
  /** In elements (of `format`). */
  srcOffset: number;
  srcLength: number;
  output: SharedArrayBuffer;
  /** In bytes. */
  dstOffset: number;
  dstLength: number;
}

export interface QuantizerJobResult {
  id: number;
  /** The quantizer's error message, or null when the rows were written. */
  error: string | null;
  /** False when a BF16 input held Inf or NaN (its rows are then not quantized). */
  finite: boolean;
}
