// Four-lane forms of the C conversions the simple quantizers use, as x86-64 runs them, and the
// byte narrowing of their results.
import { maxLane } from './lanes';

/**
 * A C cast of float to int32 (cvttss2si): truncation, and 0x80000000 for NaN and for values
 * outside int32 (where the saturating wasm truncation would clamp).
 */
// @ts-ignore: decorator
@inline export function truncC4(v: v128): v128 {
  const inRange = f32x4.lt(f32x4.abs(v), f32x4.splat(2147483648));
  return v128.bitselect(i32x4.trunc_sat_f32x4_s(v), i32x4.splat(0x80000000), inRange);
}

/** (int8_t) of the int32 lanes: their low byte, sign-extended. */
// @ts-ignore: decorator
@inline export function int8Of4(t: v128): v128 {
  return i32x4.shr_s(i32x4.shl(t, 24), 24);
}

/**
 * C's roundf on each lane (half away from zero), exactly: r - trunc(r) is exact, so the test of
 * the dropped fraction against 0.5 is too (adding 0.5 first would round 0.49999997 up). NaN and
 * infinities pass through.
 */
// @ts-ignore: decorator
@inline export function roundHalfAway4(r: v128): v128 {
  const t = f32x4.trunc(r);
  const away = f32x4.ge(f32x4.abs(f32x4.sub(r, t)), f32x4.splat(0.5));
  const one = v128.or(v128.and(r, i32x4.splat(0x80000000)), f32x4.splat(1)); // copysign(1, r)
  return f32x4.add(t, v128.and(one, away));
}

/** The low bytes of the int32 lanes of a, b, c, d (16 values, in order). */
// @ts-ignore: decorator
@inline export function lowBytes16(a: v128, b: v128, c: v128, d: v128): v128 {
  const m = i32x4.splat(0xff);
  const ab = i16x8.narrow_i32x4_u(v128.and(a, m), v128.and(b, m));
  const cd = i16x8.narrow_i32x4_u(v128.and(c, m), v128.and(d, m));
  return i8x16.narrow_i16x8_u(ab, cd);
}

/**
 * ggml's `amax = MAX(amax, fabsf(v))` over x[0..n) from 0 (n a multiple of 4): MAX(a, b) is
 * a > b ? a : b, so a NaN is kept only until the next value. Without NaN the largest magnitude
 * four lanes at a time; with one, the loop itself.
 */
export function macroMaxAbs(x: usize, n: i32): f32 {
  let m = f32x4.splat(0);
  let nan = i32x4.splat(0);
  for (let j = 0; j < n; j += 4) {
    const v = v128.load(x + (<usize>j << 2));
    nan = v128.or(nan, f32x4.ne(v, v));
    m = f32x4.pmax(m, f32x4.abs(v));
  }
  if (!v128.any_true(nan)) {
    return maxLane(m);
  }
  let amax: f32 = 0;
  for (let j = 0; j < n; j++) {
    const a = Mathf.abs(load<f32>(x + (<usize>j << 2)));
    amax = amax > a ? amax : a;
  }
  return amax;
}
