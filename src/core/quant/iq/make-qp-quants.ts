// ggml's make_qp_quants (ggml-quants.c): a weighted, non-negative scale search over levels 0..nmax,
// used by IQ2_XXS to find its first scale estimate. Float32 arithmetic in ggml's order.
//
// L is a uint8 array as in C: a negative level (possible when a value is negative) wraps to 255-ish
// when stored, and the later passes read it back wrapped, exactly as ggml does.
import { nearestInt } from '../nearest-int.ts';

const fround = Math.fround;
const GROUP_MAX_EPS = fround(1e-15);
const ONE_TENTH = fround(0.1);

/**
 * Quantizes x[xo..xo+n) to levels L[0..n) (clamped above at nmax) and returns the scale
 * (0 when all values are below 1e-15 or the level sums vanish). qw[qo..qo+n) are the weights.
 */
export function makeQpQuants(
  n: number, nmax: number,
  x: Float32Array, xo: number,
  L: Uint8Array,
  qw: Float32Array, qo: number,
): number {
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    max = max > v ? max : v;
  }
  if (max < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  let iscale = fround(nmax / max);
  for (let i = 0; i < n; i++) L[i] = nearestInt(fround(iscale * x[xo + i]!));
  const scale = fround(1 / iscale);
  let bestMse = 0;
  for (let i = 0; i < n; i++) {
    const diff = fround(x[xo + i]! - fround(scale * L[i]!));
    bestMse = fround(bestMse + fround(fround(qw[qo + i]! * diff) * diff));
  }
  for (let is = -4; is <= 4; is++) {
    if (is === 0) continue;
    const iscaleIs = fround(fround(fround(ONE_TENTH * is) + nmax) / max);
    const scaleIs = fround(1 / iscaleIs);
    let mse = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.min(nmax, nearestInt(fround(iscaleIs * x[xo + i]!)));
      const diff = fround(x[xo + i]! - fround(scaleIs * l));
      mse = fround(mse + fround(fround(qw[qo + i]! * diff) * diff));
    }
    if (mse < bestMse) {
      bestMse = mse;
      iscale = iscaleIs;
    }
  }
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.min(nmax, nearestInt(fround(iscale * x[xo + i]!)));
    L[i] = l;
    const w = qw[qo + i]!;
    sumlx = fround(sumlx + fround(fround(w * x[xo + i]!) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const w = qw[qo + i]!;
      const xi = x[xo + i]!;
      const li = L[i]!;
      let slx = fround(sumlx - fround(fround(w * xi) * li));
      let sl2 = fround(suml2 - fround(fround(w * li) * li));
      if (slx > 0 && sl2 > 0) {
        const newL = Math.min(nmax, nearestInt(fround(fround(xi * sl2) / slx)));
        if (newL !== li) {
          slx = fround(slx + fround(fround(w * xi) * newL));
          sl2 = fround(sl2 + fround(fround(w * newL) * newL));
          if (fround(fround(slx * slx) * suml2) > fround(fround(sumlx * sumlx) * sl2)) {
            L[i] = newL;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (changed === 0) break;
  }
  return suml2 > 0 ? fround(sumlx / suml2) : 0;
}
