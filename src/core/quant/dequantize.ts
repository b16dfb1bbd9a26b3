// ggml's dequantize_row_* for every type a model tensor can have (keyed by StorableTypeName, so
// one missing does not compile), float32 math as in C (x*d, or x*d + m, rounded once per operation).
import { isStorableType, rowBytes, type GgmlTypeName, type StorableTypeName } from '../ggml-type.ts';
import { f16ToF32Table } from '../float16.ts';
import { readU32 } from './block-bytes.ts';
import { dequantizeBf16, dequantizeF16, dequantizeF32 } from './float-types.ts';
import { dequantizeNvfp4, dequantizeQ1_0, dequantizeQ2_0 } from './dequantize-low-bit.ts';
import type { RowsDequantizeFn } from './rows-quantize-fn.ts';
import { K_FAMILY_DEQUANTIZERS } from './k-family-tables.ts';
import { IQ_DEQUANTIZERS } from './iq/iq-tables.ts';

const fround = Math.fround;
const QK = 32;
const HALF = 16;

/** Q4_0/Q5_0 (offset 8/16, no min) and Q4_1/Q5_1 (min m) share one decoder. */
function dequantizeLegacy(bytes: Uint8Array, dst: Float32Array, bits: 4 | 5, hasMin: boolean): void {
  const f16 = f16ToF32Table();
  const blockBytes = 18 + (bits === 5 ? 4 : 0) + (hasMin ? 2 : 0);
  const qhOff = hasMin ? 4 : 2;
  const qsOff = qhOff + (bits === 5 ? 4 : 0);
  const offset = hasMin ? 0 : bits === 4 ? 8 : 16;
  const nb = dst.length / QK;
  for (let ib = 0; ib < nb; ib++) {
    const o = ib * blockBytes;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const m = hasMin ? f16[bytes[o + 2]! | (bytes[o + 3]! << 8)]! : 0;
    const qh = bits === 5 ? readU32(bytes, o + qhOff) : 0;
    const p = ib * QK;
    for (let j = 0; j < HALF; j++) {
      const q = bytes[o + qsOff + j]!;
      const q0 = ((q & 0x0f) | (((qh >>> j) << 4) & 0x10)) - offset;
      const q1 = ((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) - offset;
      dst[p + j] = hasMin ? fround(q0 * d) + m : q0 * d;
      dst[p + HALF + j] = hasMin ? fround(q1 * d) + m : q1 * d;
    }
  }
}

function dequantizeQ8_0(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / QK;
  for (let ib = 0; ib < nb; ib++) {
    const o = ib * 34;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const p = ib * QK;
    for (let j = 0; j < QK; j++) dst[p + j] = ((bytes[o + 2 + j]! << 24) >> 24) * d;
  }
}

const DEQUANTIZERS: Record<StorableTypeName, RowsDequantizeFn> = {
  F32: (b, _c, d) => dequantizeF32(b, d),
  F16: (b, _c, d) => dequantizeF16(b, d),
  BF16: (b, _c, d) => dequantizeBf16(b, d),
  Q4_0: (b, _c, d) => dequantizeLegacy(b, d, 4, false),
  Q4_1: (b, _c, d) => dequantizeLegacy(b, d, 4, true),
  Q5_0: (b, _c, d) => dequantizeLegacy(b, d, 5, false),
  Q5_1: (b, _c, d) => dequantizeLegacy(b, d, 5, true),
  Q8_0: (b, _c, d) => dequantizeQ8_0(b, d),
  Q2_K: K_FAMILY_DEQUANTIZERS.Q2_K, Q3_K: K_FAMILY_DEQUANTIZERS.Q3_K, Q4_K: K_FAMILY_DEQUANTIZERS.Q4_K,
  Q5_K: K_FAMILY_DEQUANTIZERS.Q5_K, Q6_K: K_FAMILY_DEQUANTIZERS.Q6_K,
  IQ2_XXS: IQ_DEQUANTIZERS.IQ2_XXS, IQ2_XS: IQ_DEQUANTIZERS.IQ2_XS, IQ2_S: IQ_DEQUANTIZERS.IQ2_S,
  IQ3_XXS: IQ_DEQUANTIZERS.IQ3_XXS, IQ3_S: IQ_DEQUANTIZERS.IQ3_S,
  IQ1_S: IQ_DEQUANTIZERS.IQ1_S, IQ1_M: IQ_DEQUANTIZERS.IQ1_M, IQ4_NL: K_FAMILY_DEQUANTIZERS.IQ4_NL, IQ4_XS: K_FAMILY_DEQUANTIZERS.IQ4_XS,
  TQ1_0: K_FAMILY_DEQUANTIZERS.TQ1_0, TQ2_0: K_FAMILY_DEQUANTIZERS.TQ2_0, MXFP4: K_FAMILY_DEQUANTIZERS.MXFP4,
  NVFP4: (b, _c, d) => dequantizeNvfp4(b, d), Q1_0: (b, _c, d) => dequantizeQ1_0(b, d), Q2_0: (b, _c, d) => dequantizeQ2_0(b, d),
};

export function supportsDequantizeCpu(type: GgmlTypeName): boolean {
  return isStorableType(type);
}

/** Decodes whole rows of `cols` elements of `type` into float32. */
export function dequantizeRowsCpu(type: GgmlTypeName, bytes: Uint8Array, cols: number): Float32Array {
  if (!isStorableType(type)) throw new Error(`dequantizeRowsCpu: type ${type} has no CPU dequantizer (llama.cpp never stores a weight in it)`);
  const fn = DEQUANTIZERS[type];
  const perRow = rowBytes(type, cols);
  if (cols <= 0 || bytes.length % perRow !== 0) {
    throw new Error(`dequantizeRowsCpu ${type}: ${bytes.length} bytes are not whole rows of ${cols} columns (${perRow} bytes each)`);
  }
  const rows = bytes.length / perRow;
  const dst = new Float32Array(rows * cols);
  fn(bytes, cols, dst);
  return dst;
}
