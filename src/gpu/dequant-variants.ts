// Per-type constants of shaders/quant/dequant.wgsl: which decoder, and the block shape one
// invocation handles (F16/BF16 decode one element per invocation).
import { GGML_TYPES } from '../core/ggml-type.ts';
import type { GpuQuantType } from './quant-variants.ts';

/** The DQ_* ids of dequant.wgsl. */
const DEQUANT_IDS: Record<GpuQuantType, number> = {
  F16: 0, BF16: 1, Q8_0: 2, Q4_0: 3, Q4_1: 4, Q5_0: 5, Q5_1: 6,
  Q2_K: 7, Q3_K: 8, Q4_K: 9, Q5_K: 10, Q6_K: 11, IQ4_NL: 12, IQ4_XS: 13, TQ1_0: 14, TQ2_0: 15, MXFP4: 16,
};

export interface DequantShape {
  readonly constants: Record<string, number>;
  /** Elements one invocation writes. */
  readonly blockElems: number;
  readonly blockBytes: number;
}

export function dequantShape(type: GpuQuantType): DequantShape {
  const isFloat = type === 'F16' || type === 'BF16';
  const blockElems = isFloat ? 1 : GGML_TYPES[type].blockSize;
  const blockBytes = isFloat ? 2 : GGML_TYPES[type].typeSize;
  return {
    constants: { TYPE: DEQUANT_IDS[type], BLOCK_BYTES: blockBytes, BLOCK_ELEMS: blockElems },
    blockElems,
    blockBytes,
  };
}
