// F16 and BF16 "quantization": ggml_fp32_to_fp16_row and ggml_fp32_to_bf16_row_ref, eight values
// at a time. Both round to nearest even; fp16 keeps subnormals, overflows to infinity and turns
// NaN into 0x7E00; bf16 keeps NaN's upper bits and sets the quiet bit.
import { nearestInt4 } from './lanes';

/** fp16 bits of four float32 lanes (the integer steps of f16.ts's f16Bits, lane-wise). */
// @ts-ignore: decorator
@inline function f16Bits4(x: v128): v128 {
  const a = v128.and(x, i32x4.splat(0x7fffffff));
  const sign = v128.and(i32x4.shr_u(x, 16), i32x4.splat(0x8000));
  // Normal half: round the 13 dropped bits to nearest even, rebias the exponent by 127-15 (a
  // carry out of the mantissa bumps the exponent, up to infinity for [65520, 65536)).
  const odd = v128.and(i32x4.shr_u(a, 13), i32x4.splat(1));
  const normal = i32x4.shr_u(i32x4.add(i32x4.add(a, odd), i32x4.splat(0xfff - 0x38000000)), 13);
  // Below 2^-14: the subnormal half's mantissa is |x| in units of 2^-24, rounded to nearest even
  // (|x|*2^24 is exact and below 1024.5; 1024 is the smallest normal's encoding; 2^-25 and below
  // give 0).
  const sub = nearestInt4(f32x4.mul(f32x4.abs(x), f32x4.splat(16777216)));
  // |x| >= 65536, infinity or NaN.
  const big = v128.bitselect(i32x4.splat(0x7e00), i32x4.splat(0x7c00), i32x4.gt_s(a, i32x4.splat(0x7f800000)));
  const h = v128.bitselect(big, v128.bitselect(normal, sub, i32x4.ge_s(a, i32x4.splat(0x38800000))), i32x4.ge_s(a, i32x4.splat(0x47800000)));
  return v128.or(sign, h);
}

/** bf16 bits of four float32 lanes: (u + 0x7fff + lsb) >> 16, or a NaN's upper bits | 64. */
// @ts-ignore: decorator
@inline function bf16Bits4(u: v128): v128 {
  const nan = i32x4.gt_s(v128.and(u, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000));
  const rounded = i32x4.shr_u(i32x4.add(i32x4.add(u, i32x4.splat(0x7fff)), v128.and(i32x4.shr_u(u, 16), i32x4.splat(1))), 16);
  return v128.bitselect(v128.or(i32x4.shr_u(u, 16), i32x4.splat(64)), rounded, nan);
}

/** The n float32 at x as fp16 (bf16 when `brain`) at o. */
// @ts-ignore: decorator
@inline function convert(x: usize, o: usize, n: i32, brain: bool): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const at = x + (<usize>i << 2);
    const a = brain ? bf16Bits4(v128.load(at)) : f16Bits4(v128.load(at));
    const b = brain ? bf16Bits4(v128.load(at, 16)) : f16Bits4(v128.load(at, 16));
    v128.store(o + (<usize>i << 1), i16x8.narrow_i32x4_u(a, b));
  }
  for (; i < n; i++) {
    const v = v128.load32_zero(x + (<usize>i << 2));
    store<u16>(o + (<usize>i << 1), <u16>i32x4.extract_lane(brain ? bf16Bits4(v) : f16Bits4(v), 0));
  }
}

export function f16Row(x: usize, o: usize, n: i32): void {
  convert(x, o, n, false);
}

export function bf16Row(x: usize, o: usize, n: i32): void {
  convert(x, o, n, true);
}
