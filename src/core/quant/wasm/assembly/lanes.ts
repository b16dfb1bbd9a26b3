// Four-lane (wasm SIMD) forms of the per-element steps. f32x4 ops round each lane exactly as the
// scalar f32 op does (IEEE, never fused), so lane-wise products, quotients and levels equal the
// scalar ones; the sums stay sequential, lane by lane in element order, as ggml adds them.
import { LAUX } from './scratch';

/** nearestInt on each lane (the same bit trick, on the lanes' bits). */
// @ts-ignore: decorator
@inline export function nearestInt4(f: v128): v128 {
  return i32x4.sub(v128.and(f32x4.add(f, f32x4.splat(12582912)), i32x4.splat(0x7fffff)), i32x4.splat(0x400000));
}

/** Each lane of l clamped to [lo, hi] (lo <= hi). */
// @ts-ignore: decorator
@inline export function clamp4(l: v128, lo: v128, hi: v128): v128 {
  return i32x4.max_s(i32x4.min_s(l, hi), lo);
}

/** s + v[0] + v[1] + v[2] + v[3], one rounding after each add, in that order. */
// @ts-ignore: decorator
@inline export function addLanes(s: f32, v: v128): f32 {
  s += f32x4.extract_lane(v, 0);
  s += f32x4.extract_lane(v, 1);
  s += f32x4.extract_lane(v, 2);
  return s + f32x4.extract_lane(v, 3);
}

/** Stores the int32 levels src[0..n) plus bias as bytes at dst (n a multiple of 16, results 0..255). */
export function storeLevelBytes(dst: usize, src: usize, n: i32, bias: i32): void {
  const b = i32x4.splat(bias);
  for (let i = 0; i < n; i += 16) {
    const at = src + (<usize>i << 2);
    const lo = i16x8.narrow_i32x4_s(i32x4.add(v128.load(at), b), i32x4.add(v128.load(at, 16), b));
    const hi = i16x8.narrow_i32x4_s(i32x4.add(v128.load(at, 32), b), i32x4.add(v128.load(at, 48), b));
    v128.store(dst + i, i8x16.narrow_i16x8_u(lo, hi));
  }
}

/**
 * LAUX[0..n) = clamp(nearestInt(iscale * x), lo, hi) as int32, the levels a search tries for one
 * scale; true when any differs from what LAUX held (n a multiple of 4).
 */
export function searchLevels(n: i32, x: usize, iscale: f32, lo: v128, hi: v128): bool {
  const s = f32x4.splat(iscale);
  let diff = i32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    const l = clamp4(nearestInt4(f32x4.mul(s, v128.load(x + at))), lo, hi);
    diff = v128.or(diff, v128.xor(l, v128.load(LAUX + at)));
    v128.store(LAUX + at, l);
  }
  return v128.any_true(diff);
}

/**
 * The final levels of one group from its stored scale: L[0..n) = clamp(nearestInt((x + m) / d),
 * lo, hi) + bias as bytes (n 16 or 32). The symmetric types pass m = 0: x + 0 differs from x only
 * for -0, which gives level 0 either way.
 */
export function requantizeGroup(x: usize, n: i32, d: f32, m: f32, lo: i32, hi: i32, bias: i32, L: usize): void {
  const dv = f32x4.splat(d);
  const mv = f32x4.splat(m);
  const lov = i32x4.splat(lo);
  const hiv = i32x4.splat(hi);
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    v128.store(LAUX + at, clamp4(nearestInt4(f32x4.div(f32x4.add(v128.load(x + at), mv), dv)), lov, hiv));
  }
  storeLevelBytes(L, LAUX, n, bias);
}

/**
 * The largest lane of v, branch-free (f32.max compiles to branches that mispredict on random
 * data). For lanes that are not NaN; of equal zeros either sign may come back.
 */
// @ts-ignore: decorator
@inline export function maxLane(v: v128): f32 {
  const m = f32x4.pmax(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(m, i32x4.shuffle(m, m, 1, 0, 3, 2)), 0);
}

/** The smallest lane of v, as maxLane. */
// @ts-ignore: decorator
@inline export function minLane(v: v128): f32 {
  const m = f32x4.pmin(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmin(m, i32x4.shuffle(m, m, 1, 0, 3, 2)), 0);
}
