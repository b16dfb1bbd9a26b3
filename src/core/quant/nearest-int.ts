// The integer rounding rules of ggml's quantizers. They differ on ties, and the bytes depend on it.

const fround = Math.fround;

/**
 * ggml's nearest_int: adds 1.5*2^23 in float32 and reads the low mantissa bits, which rounds half
 * to even. Valid for |f| <= 4194303 (ggml asserts it); NaN gives 0 as the bit trick does.
 */
export function nearestInt(f: number): number {
  return (fround(f + 12582912) - 12582912) | 0;
}

/** C's roundf: half away from zero (not Math.round, which rounds -2.5 to -2). */
export function roundHalfAway(f: number): number {
  return f < 0 ? -Math.floor(0.5 - f) : Math.floor(f + 0.5);
}

/**
 * A C cast of a float to an 8-bit integer on x86-64 (cvttss2si, then the low byte): truncates
 * toward zero; NaN, infinities and values outside int32 give 0 (the low byte of 0x80000000).
 * Returns the low byte, 0..255.
 */
export function truncToByte(f: number): number {
  return f > -2147483649 && f < 2147483648 ? (f | 0) & 0xff : 0;
}

const wideF32 = new Float32Array(1);
const wideU32 = new Uint32Array(wideF32.buffer);

/**
 * nearest_int over the whole float range, as the C bit trick computes it in a release build
 * (no assert): beyond ±4194303 it returns the low mantissa bits minus 2^22, not the rounded
 * value. Ratios such as x*sl2/slx in the greedy searches can get there, and the clamps after
 * them then see that value.
 */
export function nearestIntWide(f: number): number {
  if (f <= 4194303 && f >= -4194303) return (fround(f + 12582912) - 12582912) | 0;
  wideF32[0] = f + 12582912;
  return (wideU32[0]! & 0x7fffff) - 0x400000;
}
