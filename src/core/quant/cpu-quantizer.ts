// The CPU reference quantizer: byte-exact with ggml_quantize_chunk on x86-64 for every type a
// model tensor can have (QUANTIZERS is keyed by StorableTypeName, so one missing does not compile).
import { GGML_TYPES, isStorableType, rowBytes, rowFitsBlocks, type GgmlTypeName, type StorableTypeName } from '../ggml-type.ts';
import { quantizeBf16, quantizeF16, quantizeF32 } from './float-types.ts';
import type { RowQuantizer } from './row-quantizer.ts';
import type { RowsQuantizeFn } from './rows-quantize-fn.ts';
import { K_FAMILY_QUANTIZERS } from './k-family-tables.ts';
import { IQ_QUANTIZERS } from './iq/iq-tables.ts';
import { quantizeBlockRowsWasm, type WasmBlockType } from './wasm/block-quants-wasm.ts';

export type { RowsQuantizeFn } from './rows-quantize-fn.ts';

/** Q4_0..Q5_1 and Q8_0 run in WebAssembly: Q4_0..Q5_1 take the _ref path when imatrix is null, _impl otherwise. */
const block = (type: WasmBlockType): RowsQuantizeFn => (src, cols, imatrix, dst) => quantizeBlockRowsWasm(type, src, cols, imatrix, dst);

const QUANTIZERS: Record<StorableTypeName, RowsQuantizeFn> = {
  F32: (src, _cols, _im, dst) => quantizeF32(src, dst),
  F16: (src, cols, _im, dst) => quantizeF16(src, cols, dst),
  BF16: (src, cols, _im, dst) => quantizeBf16(src, cols, dst),
  Q4_0: block('Q4_0'),
  Q4_1: block('Q4_1'),
  Q5_0: block('Q5_0'),
  Q5_1: block('Q5_1'),
  Q8_0: block('Q8_0'),
  Q2_K: K_FAMILY_QUANTIZERS.Q2_K, Q3_K: K_FAMILY_QUANTIZERS.Q3_K, Q4_K: K_FAMILY_QUANTIZERS.Q4_K,
  Q5_K: K_FAMILY_QUANTIZERS.Q5_K, Q6_K: K_FAMILY_QUANTIZERS.Q6_K,
  IQ2_XXS: IQ_QUANTIZERS.IQ2_XXS, IQ2_XS: IQ_QUANTIZERS.IQ2_XS, IQ2_S: IQ_QUANTIZERS.IQ2_S,
  IQ3_XXS: IQ_QUANTIZERS.IQ3_XXS, IQ3_S: IQ_QUANTIZERS.IQ3_S,
  IQ1_S: IQ_QUANTIZERS.IQ1_S, IQ1_M: IQ_QUANTIZERS.IQ1_M, IQ4_NL: K_FAMILY_QUANTIZERS.IQ4_NL, IQ4_XS: K_FAMILY_QUANTIZERS.IQ4_XS,
  TQ1_0: K_FAMILY_QUANTIZERS.TQ1_0, TQ2_0: K_FAMILY_QUANTIZERS.TQ2_0, MXFP4: K_FAMILY_QUANTIZERS.MXFP4,
  // quantize_q1_0/q2_0 take importance weights but write the _ref bytes with or without them.
  NVFP4: (src, cols, _im, dst) => quantizeBlockRowsWasm('NVFP4', src, cols, null, dst),
  Q1_0: (src, cols, _im, dst) => quantizeBlockRowsWasm('Q1_0', src, cols, null, dst),
  Q2_0: (src, cols, _im, dst) => quantizeBlockRowsWasm('Q2_0', src, cols, null, dst),
};

export function supportsQuantizeCpu(type: GgmlTypeName): boolean {
  return isStorableType(type);
}

function quantizerOf(type: GgmlTypeName): RowsQuantizeFn {
  if (!isStorableType(type)) throw new Error(`quantizeRowsCpu: type ${type} has no CPU quantizer (llama.cpp never stores a weight in it)`);
  return QUANTIZERS[type];
}

/**
 * Checks a quantizeRowsCpu call's arguments (the errors name the type) and returns the rows'
 * encoded size in bytes; for callers that split the rows among threads.
 */
export function quantizedRowsBytes(
  type: GgmlTypeName,
  values: number,
  cols: number,
  imatrix: Float32Array | null,
): number {
  quantizerOf(type); // throws for a type llama.cpp never stores
  const blockSize = GGML_TYPES[type].blockSize;
  if (!Number.isInteger(cols) || cols <= 0 || !rowFitsBlocks(type, cols)) {
    throw new Error(`quantizeRowsCpu ${type}: row length ${cols} is not a positive multiple of the block size ${blockSize}`);
  }
  if (values % cols !== 0) {
    throw new Error(`quantizeRowsCpu ${type}: ${values} values are not whole rows of ${cols} columns`);
  }
  if (imatrix !== null && imatrix.length !== cols) {
    throw new Error(`quantizeRowsCpu ${type}: imatrix has ${imatrix.length} values, the rows have ${cols} columns`);
  }
  return (values / cols) * rowBytes(type, cols);
}

/**
 * Quantizes `src` (rows of `cols` float32, back to back) to `type`, rows back to back, exactly as
 * ggml_quantize_chunk. `imatrix` holds one importance weight per column, or null.
 */
export function quantizeRowsCpu(
  type: GgmlTypeName,
  src: Float32Array,
  cols: number,
  imatrix: Float32Array | null,
): Uint8Array {
  const dst = new Uint8Array(quantizedRowsBytes(type, src.length, cols, imatrix));
  quantizerOf(type)(src, cols, imatrix, dst);
  return dst;
}

/** quantizeRowsCpu into `dst` (e.g. a view of shared memory), which must be exactly the rows' size. */
export function quantizeRowsCpuInto(
  type: GgmlTypeName,
  src: Float32Array,
  cols: number,
  imatrix: Float32Array | null,
  dst: Uint8Array,
): void {
  const bytes = quantizedRowsBytes(type, src.length, cols, imatrix);
  if (dst.length !== bytes) throw new Error(`quantizeRowsCpu ${type}: the destination holds ${dst.length} bytes, the rows need ${bytes}`);
  // Every quantizer writes every byte (the WebAssembly ones copy whole blocks out of their
  // memory), so dst is not cleared first: on a memory-bound type that would be a third of the work.
  quantizerOf(type)(src, cols, imatrix, dst);
}

export const cpuRowQuantizer: RowQuantizer = {
  name: 'cpu',
  supports: supportsQuantizeCpu,
  quantizeRows: (type, src, cols, imatrix) => Promise.resolve().then(() => quantizeRowsCpu(type, src, cols, imatrix)),
};
