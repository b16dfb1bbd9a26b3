// fp16 conversions as ggml_compute_fp32_to_fp16 and back (the same integer steps as
// src/core/float16.ts): round to nearest even, subnormals kept, overflow to ±inf, NaN -> 0x7E00.

/** fp16 bits of x. */
export function f16Bits(x: f32): u32 {
  const w = reinterpret<u32>(x);
  const sign = (w >>> 16) & 0x8000;
  const a = w & 0x7fffffff;
  // |x| >= 65536, inf or NaN; values in [65520, 65536) round up to inf in the normal branch.
  if (a >= 0x47800000) return a > 0x7f800000 ? sign | 0x7e00 : sign | 0x7c00;
  // Normal half: round the 13 dropped bits to nearest even, rebias the exponent by 127-15.
  if (a >= 0x38800000) return sign | ((a + 0xfff + ((a >>> 13) & 1) - 0x38000000) >>> 13);
  if (a <= 0x33000000) return sign; // |x| <= 2^-25 rounds to zero (2^-25 is a tie to even 0)
  // Subnormal half: mant * 2^(e-126) in units of 2^-24, shifted right by 126-e (14..24).
  const e = a >>> 23;
  const mant = (a & 0x7fffff) | 0x800000;
  const shift = 126 - e;
  const kept = mant >>> shift;
  const rest = mant - (kept << shift);
  const half: u32 = 1 << (shift - 1);
  const roundUp: u32 = rest > half || (rest == half && (kept & 1) == 1) ? 1 : 0;
  return sign | (kept + roundUp);
}

/** The float32 value of the fp16 with bits h (exact). */
export function f16Value(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp == 0x1f) return reinterpret<f32>(sign | 0x7f800000 | (mant << 13));
  if (exp != 0) return reinterpret<f32>(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return reinterpret<f32>(sign);
  let m = mant;
  let e: u32 = 113;
  while ((m & 0x400) == 0) {
    m <<= 1;
    e--;
  }
  return reinterpret<f32>(sign | (e << 23) | ((m & 0x3ff) << 13));
}

/** Stores fp16(x) at dst (little-endian) and returns the stored value, as ggml reads it back. */
export function storeF16(dst: usize, x: f32): f32 {
  const h = f16Bits(x);
  store<u16>(dst, <u16>h);
  return f16Value(h);
}
