// MXFP4 {u8 e, qs[16]}: a shared power-of-two scale (E8M0) and 4-bit E2M1 codes in the Q4_0 nibble
// layout (quantize_row_mxfp4_ref; ggml never uses an imatrix for it).
import { truncToByte } from './nearest-int.ts';

const fround = Math.fround;

/** kvalues_mxfp4: twice the E2M1 values, so that d = 2^(e-128) is half the E8M0 scale. */
export const KVALUES_MXFP4: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

const bitsF32 = new Float32Array(1);
const bitsU32 = new Uint32Array(bitsF32.buffer);

/**
 * floorf(log2f(a)) for a finite float a > 0, from its bits. log2f is correctly rounded near
 * powers of two (glibc), so for the floats just below 2^(E+1) it returns exactly E+1: that
 * happens when E + log2(m) lies within half a float spacing of E+1, i.e. when the significand
 * m = a/2^E exceeds 2^(1-δ) with δ that half spacing. 2^(1-δ) is irrational and far (relative to
 * 2^-53) from every float significand, so the double comparison below decides it exactly.
 */
export function floorLog2f(a: number): number {
  bitsF32[0] = a;
  const bits = bitsU32[0]! & 0x7fffffff;
  // A subnormal's exponent is that of its leading mantissa bit.
  const e = bits >>> 23 === 0 ? 31 - Math.clz32(bits) - 149 : (bits >>> 23) - 127;
  const m = a / 2 ** e; // exact: a power-of-two division
  return m > roundUpThreshold(e + 1) ? e + 1 : e;
}

/** 2^(1-δ) for t = E+1, where δ is half the gap between t and the next float toward -infinity. */
function roundUpThreshold(t: number): number {
  let gap: number;
  if (t === 0) gap = 2 ** -149;
  else {
    const a = Math.abs(t);
    const p = 31 - Math.clz32(a);
    // Below a positive power of two the spacing halves; below a negative t it is |t|'s own.
    gap = t > 0 && a === 2 ** p ? 2 ** (p - 24) : 2 ** (p - 23);
  }
  const u = (gap / 2) * Math.LN2;
  return 2 * (1 - u + (u * u) / 2); // 2·e^(-u) to far beyond the 2^-23 resolution of m
}

function bestIndex(x: number, d: number): number {
  let best = 0;
  let bestErr = Math.abs(fround(fround(KVALUES_MXFP4[0]! * d) - x));
  for (let i = 1; i < 16; i++) {
    const err = Math.abs(fround(fround(KVALUES_MXFP4[i]! * d) - x));
    if (err < bestErr) { best = i; bestErr = err; }
  }
  return best;
}

/** GGML_E8M0_TO_FP32_HALF: 2^(e-128), exact for every e (subnormal for e < 2). */
export function e8m0Half(e: number): number {
  return 2 ** (e - 128);
}

export function quantizeMxfp4(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / 32;
  for (let b = 0; b < nb; b++) {
    const p = b * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) {
      const a = Math.abs(src[p + j]!);
      if (amax < a) amax = a;
    }
    // (uint8_t)(float): x86 truncates through int32, so tiny amax wraps to a high byte as in C.
    const e = amax > 0 ? truncToByte(floorLog2f(amax) - 2 + 127) : 0;
    const d = e8m0Half(e);
    const o = b * 17;
    dst[o] = e;
    for (let j = 0; j < 16; j++) dst[o + 1 + j] = bestIndex(src[p + j]!, d) | (bestIndex(src[p + 16 + j]!, d) << 4);
  }
}
