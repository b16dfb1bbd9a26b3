// What a GPU dequantizer offers, apart from either implementation (gpu-dequantizer.ts for the
// block types, iq-gpu-dequantizer.ts for the i-quants), so that neither imports the other for it.
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { DeviceTurn } from './device-queue.ts';

export interface GpuRowDequantizer {
  supports(type: GgmlTypeName): boolean;
  /**
   * Decodes whole rows of `cols` elements of `type` (rows back to back) into float32. `turn`:
   * the device queue's turn of a caller that already holds it (the forward pass), else omitted.
   */
  dequantizeRows(type: GgmlTypeName, bytes: Uint8Array, cols: number, turn?: DeviceTurn): Promise<Float32Array>;
  /**
   * Decodes `rows` whole rows already on the GPU (`input`: their stored bytes from offset 0) into
   * `output` as float32, without a readback: the forward's weights never return to the host.
   * Resolves once the work is submitted (queue order makes it visible to later submissions).
   */
  dequantizeRowsOnDevice?(type: GgmlTypeName, input: GPUBuffer, rows: number, cols: number, output: GPUBuffer, turn?: DeviceTurn): Promise<void>;
  dispose(): void;
}
