import type { GgmlTypeName } from '../ggml-type.ts';

/**
 * Quantizes `src.length / cols` rows of float32 into ggml blocks of `type`, rows back to back,
 * exactly as ggml_quantize_chunk does. `imatrix` (one weight per column, the per-column mean of
 * squared activations) is used where ggml uses it and ignored where ggml ignores it.
 * Implemented by the CPU reference (core/quant) and by the WebGPU backend (gpu/, via a worker).
 */
export interface RowQuantizer {
  readonly name: 'cpu' | 'gpu';
  supports(type: GgmlTypeName): boolean;
  quantizeRows(
    type: GgmlTypeName,
    src: Float32Array,
    cols: number,
    imatrix: Float32Array | null,
  ): Promise<Uint8Array>;
}
