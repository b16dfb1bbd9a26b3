// ggml's make_qkx2_quants / make_qkx3_quants: the asymmetric search x ≈ scale*L + min, levels
// L in [0, nmax], over nstep+1 candidate scales. Float32 in ggml's order; the per-element steps
// four lanes at a time (lanes.ts), the sums sequential. n is 16 or 32.
import { addLanes, searchLevels, storeLevelBytes } from './lanes';
import { LAUX, XM } from './scratch';

/** The min the last makeQkx3 call chose (ggml's min, <= 0; its negation is the stored min). */
export let qkx3Min: f32 = 0;

/** XM = x - min. */
function centre(n: i32, x: usize, min: f32): void {
  const m = f32x4.splat(min);
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    v128.store(XM + at, f32x4.sub(v128.load(x + at), m));
  }
}

/** Per lane w * err(scale*l + min - x), err |d| (mean absolute error) or d². */
// @ts-ignore: decorator
@inline function errors(w: usize, x: usize, at: usize, scale: v128, min: v128, useMad: bool): v128 {
  const diff = f32x4.sub(f32x4.add(f32x4.mul(scale, f32x4.convert_i32x4_s(v128.load(LAUX + at))), min), v128.load(x + at));
  return f32x4.mul(v128.load(w + at), useMad ? f32x4.abs(diff) : f32x4.mul(diff, diff));
}

/**
 * Quantizes x[0..n) with weights w[0..n) into the bytes L[0..n) and returns the scale (the min in
 * qkx3Min). useMad: weighted mean absolute error instead of squared (Q2_K without an imatrix).
 */
export function makeQkx3(
  n: i32, nmax: i32, x: usize, w: usize, L: usize, rmin: f32, rdelta: f32, nstep: i32, useMad: bool,
): f32 {
  const x0 = load<f32>(x);
  let min = x0;
  let max = x0;
  let sumW = load<f32>(w);
  let sumX = sumW * x0;
  // Every weight >= 0 (always so for x², |x|-based and imatrix weights): the error sums only grow.
  let nonNegative = sumW >= 0;
  for (let i = 1; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    if (v < min) min = v;
    if (v > max) max = v;
    const wi = load<f32>(w + at);
    if (!(wi >= 0)) nonNegative = false;
    sumW += wi;
    sumX += wi * v;
  }
  if (min > 0) min = 0;
  if (max <= min) {
    memory.fill(L, 0, n);
    qkx3Min = min;
    return 0;
  }
  const nmaxF = <f32>nmax;
  const lo = i32x4.splat(0);
  const hi = i32x4.splat(nmax);
  let iscale = nmaxF / (max - min);
  let scale = <f32>1 / iscale;
  centre(n, x, min);
  searchLevels(n, XM, iscale, lo, hi);
  storeLevelBytes(L, LAUX, n, 0);
  let bestMad: f32 = 0;
  const scaleV = f32x4.splat(scale);
  const minV = f32x4.splat(min);
  for (let i = 0; i < n; i += 4) bestMad = addLanes(bestMad, errors(w, x, <usize>i << 2, scaleV, minV, useMad));
  if (nstep < 1) {
    qkx3Min = min;
    return scale;
  }
  for (let is = 0; is <= nstep; is++) {
    // `min` changes when a step wins, and later steps use the new one (as ggml does).
    iscale = (rmin + rdelta * <f32>is + nmaxF) / (max - min);
    // The same levels as the previous step give the same sums, scale, min and error, which can
    // never beat best_mad (at most that step's error): skipping them is exact. Step 0 compares
    // with the first pass's levels, which ggml does not skip.
    if (!searchLevels(n, XM, iscale, lo, hi) && is != 0) continue;
    let sumL: f32 = 0;
    let sumL2: f32 = 0;
    let sumXL: f32 = 0;
    for (let i = 0; i < n; i += 4) {
      const at = <usize>i << 2;
      const l = f32x4.convert_i32x4_s(v128.load(LAUX + at));
      const wl = f32x4.mul(v128.load(w + at), l);
      sumL = addLanes(sumL, wl);
      sumL2 = addLanes(sumL2, f32x4.mul(wl, l));
      sumXL = addLanes(sumXL, f32x4.mul(wl, v128.load(x + at)));
    }
    const D = sumW * sumL2 - sumL * sumL;
    if (!(D > 0)) continue;
    let thisScale = (sumW * sumXL - sumX * sumL) / D;
    let thisMin = (sumL2 * sumX - sumL * sumXL) / D;
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = sumXL / sumL2;
    }
    const ts = f32x4.splat(thisScale);
    const tm = f32x4.splat(thisMin);
    let mad: f32 = 0;
    for (let i = 0; i < n; i += 4) {
      const e = errors(w, x, <usize>i << 2, ts, tm, useMad);
      // A float sum of terms >= 0 never decreases (round to nearest is monotone), so once it
      // reaches best_mad this step cannot win: stopping here changes no result.
      mad += f32x4.extract_lane(e, 0);
      if (mad >= bestMad && nonNegative) break;
      mad += f32x4.extract_lane(e, 1);
      if (mad >= bestMad && nonNegative) break;
      mad += f32x4.extract_lane(e, 2);
      if (mad >= bestMad && nonNegative) break;
      mad += f32x4.extract_lane(e, 3);
      if (mad >= bestMad && nonNegative) break;
    }
    if (mad < bestMad) {
      storeLevelBytes(L, LAUX, n, 0);
      bestMad = mad;
      scale = thisScale;
      // Assigned even when equal: the sign of a zero min reaches the stored m.
      const moved = thisMin != min;
      min = thisMin;
      if (moved) centre(n, x, min);
    }
  }
  qkx3Min = min;
  return scale;
}
