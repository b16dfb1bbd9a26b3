// ggml's make_qx_quants with rmse_type 1 and weights: the symmetric search, levels
// L = l + nmax with l in [-nmax, nmax-1], over 19 candidate scales. Float32 in ggml's order; the
// per-element steps four lanes at a time (lanes.ts), the sums sequential. n is 16.
import { addLanes, searchLevels, storeLevelBytes } from './lanes';
import { GROUP_MAX_EPS, TENTH, signedMax } from './numerics';
import { LAUX, XM } from './scratch';

/** Quantizes x[0..n) with weights w[0..n) into the bytes L[0..n); returns the scale. */
export function makeQx(n: i32, nmax: i32, x: usize, w: usize, L: usize): f32 {
  const max = signedMax(x, n);
  if (Mathf.abs(max) < GROUP_MAX_EPS) {
    memory.fill(L, 0, n);
    return 0;
  }
  // XM holds w*x: the product ggml forms first in w*x[i]*l, for every step.
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    v128.store(XM + at, f32x4.mul(v128.load(w + at), v128.load(x + at)));
  }
  const lo = i32x4.splat(-nmax);
  const hi = i32x4.splat(nmax - 1);
  const nmaxF = <f32>nmax;
  let scale: f32 = 0;
  let best: f32 = 0;
  for (let is = -10; is <= 9; is++) {
    // is = -10 stands for ggml's first pass at -nmax/max; 0 is not a step.
    if (is == 0) continue;
    const iscale = is == -10 ? <f32>(-nmax) / max : -(nmaxF + TENTH * <f32>is) / max;
    // Unchanged levels give the previous step's sums, which cannot win again: skipping is exact.
    if (!searchLevels(n, x, iscale, lo, hi) && is != -10) continue;
    let sumlx: f32 = 0;
    let suml2: f32 = 0;
    for (let i = 0; i < n; i += 4) {
      const at = <usize>i << 2;
      const l = f32x4.convert_i32x4_s(v128.load(LAUX + at));
      sumlx = addLanes(sumlx, f32x4.mul(v128.load(XM + at), l));
      suml2 = addLanes(suml2, f32x4.mul(f32x4.mul(v128.load(w + at), l), l));
    }
    if (is == -10) {
      // C's `suml2 ? sumlx/suml2 : 0`: a NaN sum counts as true.
      scale = suml2 != 0 ? sumlx / suml2 : 0;
      best = scale * sumlx;
      storeLevelBytes(L, LAUX, n, nmax);
    } else if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      storeLevelBytes(L, LAUX, n, nmax);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}
