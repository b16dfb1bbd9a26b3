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
