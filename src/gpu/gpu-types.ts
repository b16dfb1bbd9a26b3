// The types the GPU quantizes and decodes, in one place. A type's position in its list is also
// the id its dequantization kernel switches on: wgsl-type-ids.ts turns the lists into the WGSL
// `const` lines and the TYPE override constant, so reordering a list cannot desynchronise them.
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { LowBitIqType } from '../core/quant/iq/iq-tables.ts';

/** Types of the block kernels (dequant.wgsl's DQ_* ids, in this order). */
export const GPU_QUANT_TYPES = [
  'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1',
  'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'TQ1_0', 'TQ2_0', 'MXFP4',
  'NVFP4', 'Q1_0', 'Q2_0',
] as const satisfies readonly GgmlTypeName[];
export type GpuQuantType = (typeof GPU_QUANT_TYPES)[number];

/** The low-bit i-quants, whose kernels read lattice tables (iq-dequant.wgsl's IQD_* ids, in this order). */
export const GPU_IQ_TYPES = ['IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M'] as const satisfies readonly LowBitIqType[];
export type GpuIqType = (typeof GPU_IQ_TYPES)[number];

export function isGpuQuantType(type: string): type is GpuQuantType {
  return (GPU_QUANT_TYPES as readonly string[]).includes(type);
}

export function isGpuIqType(type: string): type is GpuIqType {
  return (GPU_IQ_TYPES as readonly string[]).includes(type);
}
