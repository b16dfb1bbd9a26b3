// The storage formats the forward's matmul reads directly (shaders/forward/weight-read.wgsl):
// which ggml types they are, their kernel ids and block shapes. A weight of any other type is
// decoded to float32 on the GPU first (gpu-weights.ts).
import { GGML_TYPES, type GgmlTypeName } from '../../core/ggml-type.ts';

export const MATMUL_WEIGHT_FORMATS = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const;
export type GpuWeightFormat = (typeof MATMUL_WEIGHT_FORMATS)[number];

/** weight-read.wgsl's WF_* constants. */
const WEIGHT_FORMAT_IDS: Record<GpuWeightFormat, number> = { F32: 0, F16: 1, BF16: 2, Q8_0: 3, Q4_0: 4, Q4_K: 5, Q5_K: 6, Q6_K: 7 };

export function isMatmulWeightFormat(type: GgmlTypeName): type is GpuWeightFormat {
  return (MATMUL_WEIGHT_FORMATS as readonly string[]).includes(type);
}

/** The override constants that select a format's decoder in weight-read.wgsl. */
export function weightFormatConstants(format: GpuWeightFormat): Record<string, number> {
  const { blockSize, typeSize } = GGML_TYPES[format];
  return { WFMT: WEIGHT_FORMAT_IDS[format], BLOCK_ELEMS: blockSize, BLOCK_BYTES: typeSize };
}

/** Stored bytes of `rows` rows of `cols` elements (whole blocks; halves packed two per word). */
export function storedRowsBytes(format: GgmlTypeName, rows: number, cols: number): number {
  const { blockSize, typeSize } = GGML_TYPES[format];
  return (rows * cols * typeSize) / blockSize;
}
