// IEEE half (fp16) and bfloat16 conversions, bit-exact with ggml:
// fp32 -> fp16 is ggml_compute_fp32_to_fp16 (round to nearest even, subnormals kept, overflow to
// ±inf, NaN -> 0x7E00 | sign); fp32 -> bf16 is ggml_compute_fp32_to_bf16 (round to nearest even
// on the bits, NaN forced quiet by OR-ing 0x40 into the truncated bits).
// Everything works on bit patterns with integer ops: no allocation per value, so the array forms
// are cheap enough for the export path.

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The bits of `x` rounded to float32. */
export function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0]!;
}

/** The float32 whose bits are `bits` (as a JS number). */
export function f32FromBits(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0]!;
}

/** fp16 bits of the float32 with bits `w`. */
export function f32BitsToF16Bits(w: number): number {
  const sign = (w >>> 16) & 0x8000;
  const a = w & 0x7fffffff;
  if (a >= 0x47800000) {
    // |x| >= 65536, inf or NaN; values in [65520, 65536) round up to inf in the normal branch.
    return a > 0x7f800000 ? sign | 0x7e00 : sign | 0x7c00;
  }
  if (a >= 0x38800000) {
    // Normal half (|x| >= 2^-14): round the 13 dropped bits to nearest even, then rebias
    // the exponent by 127-15; a carry out of the mantissa correctly bumps the exponent.
    return sign | ((a + 0xfff + ((a >>> 13) & 1) - 0x38000000) >>> 13);
  }
  if (a <= 0x33000000) return sign; // |x| <= 2^-25: rounds to zero (2^-25 itself is a tie to even 0)
  // Subnormal half: the value in units of 2^-24 is mant * 2^(e-126), shift right by 126-e.
  const e = a >>> 23;
  const mant = (a & 0x7fffff) | 0x800000;
  const shift = 126 - e; // 14..24
  const kept = mant >>> shift;
  const rest = mant - (kept << shift);
  const half = 1 << (shift - 1);
  const roundUp = rest > half || (rest === half && (kept & 1) === 1);
  return sign | (kept + (roundUp ? 1 : 0));
}

/** fp16 bits of `x` after rounding it to float32 (as ggml's GGML_FP32_TO_FP16 does). */
export function f32ToF16Bits(x: number): number {
  return f32BitsToF16Bits(f32Bits(x));
}

/** float32 bits of the fp16 value with bits `h` (exact; every fp16 is a float32). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: normalise the mantissa into a float32 normal.
  let m = mant;
  let e = 113;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

let f16Table: Float32Array | null = null;

/** All 65536 fp16 values as float32, built once (256 KiB) because dequantizing hits it per element. */
export function f16ToF32Table(): Float32Array {
  if (f16Table === null) {
    const bits = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) bits[h] = f16BitsToF32Bits(h);
    f16Table = new Float32Array(bits.buffer);
  }
  return f16Table;
}

/** The value of the fp16 with bits `h`. */
export function f16BitsToF32(h: number): number {
  return f16ToF32Table()[h & 0xffff]!;
}

/** Rounds `x` through fp16 and back, as ggml does when it stores a scale and reads it again. */
export function roundThroughF16(x: number): number {
  return f16ToF32Table()[f32ToF16Bits(x)]!;
}

/** bf16 bits of the float32 with bits `u` (ggml_compute_fp32_to_bf16). */
export function f32BitsToBf16Bits(u: number): number {
  const w = u >>> 0;
  if ((w & 0x7fffffff) > 0x7f800000) return ((w >>> 16) | 64) & 0xffff;
  // Cannot pass 2^32: the largest non-NaN pattern is 0xff800000.
  return (w + 0x7fff + ((w >>> 16) & 1)) >>> 16;
}

/** bf16 bits of `x` after rounding it to float32. */
export function f32ToBf16Bits(x: number): number {
  return f32BitsToBf16Bits(f32Bits(x));
}

/** The value of the bf16 with bits `h` (exact). */
export function bf16BitsToF32(h: number): number {
  return f32FromBits(((h & 0xffff) << 16) >>> 0);
}

function u32View(src: Float32Array): Uint32Array {
  return new Uint32Array(src.buffer, src.byteOffset, src.length);
}

/** fp16 bits of every element (ggml_fp32_to_fp16_row). */
export function f32ToF16Array(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const w = u32View(src);
  for (let i = 0; i < w.length; i++) dst[i] = f32BitsToF16Bits(w[i]!);
  return dst;
}

/** float32 values of fp16 bits (ggml_fp16_to_fp32_row). */
export function f16ToF32Array(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const table = f16ToF32Table();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
  return dst;
}

/** bf16 bits of every element (ggml_fp32_to_bf16_row_ref). */
export function f32ToBf16Array(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const w = u32View(src);
  for (let i = 0; i < w.length; i++) dst[i] = f32BitsToBf16Bits(w[i]!);
  return dst;
}

/** float32 values of bf16 bits. */
export function bf16ToF32Array(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! << 16;
  return dst;
}
