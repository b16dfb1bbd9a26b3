// The float32 details of ggml's quantizers that decide bytes (ggml-quants.c, x86-64, no FMA).
// Wasm f32 ops round each result once and never fuse, so C's order here gives C's bits.
import { maxLane } from './lanes';

/** GROUP_MAX_EPS: below this |max| a group counts as all zero. */
export const GROUP_MAX_EPS: f32 = 1e-15;
export const TENTH: f32 = 0.1;

/**
 * ggml's nearest_int as a release build runs it (its assert compiled out): adds 1.5*2^23 and
 * reads the low mantissa bits. Rounds half to even for |f| <= 4194303; beyond, it returns those
 * bits minus 2^22 (which callers then clamp), and 0 for a NaN made by arithmetic.
 */
// @ts-ignore: decorator
@inline export function nearestInt(f: f32): i32 {
  return (reinterpret<i32>(f + <f32>12582912) & 0x7fffff) - 0x400000;
}

/** l clamped to [lo, hi] (ggml's MAX(lo, MIN(hi, l))). */
// @ts-ignore: decorator
@inline export function clampInt(l: i32, lo: i32, hi: i32): i32 {
  return l < lo ? lo : l > hi ? hi : l;
}

/**
 * The value of x[0..n) with the largest |x| (the first of equals; 0 when all are 0), as ggml's
 * `if (ax > amax) { amax = ax; max = v; }` loops (NaN never wins). n is a multiple of 4: the
 * largest magnitude four lanes at a time (pmax keeps its first operand against NaN, like the
 * scalar test), then the first value of that magnitude.
 */
export function signedMax(x: usize, n: i32): f32 {
  let m = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) m = f32x4.pmax(m, f32x4.abs(v128.load(x + (<usize>i << 2))));
  const amax = maxLane(m);
  if (amax == 0) return 0;
  const a = f32x4.splat(amax);
  let i = 0;
  let hits = 0;
  for (; ; i += 4) {
    hits = i32x4.bitmask(f32x4.eq(f32x4.abs(v128.load(x + (<usize>i << 2))), a));
    if (hits != 0) break;
  }
  return load<f32>(x + (<usize>(i + ctz(hits)) << 2));
}

/** Σ x² over x[0..n), accumulated in order (ggml's sumx2 loops). */
export function sumSquares(x: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** The imatrix weights w[j] = qw[j]·sqrt(σ² + x²) of x[0..n) into out; returns Σw. */
export function imatrixWeights(out: usize, x: usize, qw: usize, n: i32, sigma2: f32): f32 {
  let sum: f32 = 0;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    const w = load<f32>(qw + at) * Mathf.sqrt(sigma2 + v * v);
    store<f32>(out + at, w);
    sum += w;
  }
  return sum;
}
