// ggml's make_qp_quants: a weighted search for one non-negative scale over levels 0..nmax, used
// by the imatrix paths of Q2_K, Q4_K and Q5_K for the sub-block scales and mins, and by IQ2_XXS.
// Float32 in ggml's order. L behaves as C's uint8_t array: a negative level wraps when stored
// and is read back wrapped by the later passes, while the sums use the unwrapped int.
import { nearestInt, nearestIntWide } from './nearest-int.ts';

const fround = Math.fround;
const GROUP_MAX_EPS = fround(1e-15);
const TENTH = fround(0.1);

/** Quantizes x[0..n) into L[0..n) (weights qw[0..n)) and returns the scale. */
export function makeQpQuants(n: number, nmax: number, x: Float32Array, L: Uint8Array, qw: Float32Array): number {
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v > max) max = v;
  }
  if (max < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  let iscale = fround(nmax / max);
  for (let i = 0; i < n; i++) L[i] = nearestInt(fround(iscale * x[i]!));
  const scale = fround(1 / iscale);
  let bestMse = 0;
  for (let i = 0; i < n; i++) {
    const diff = fround(x[i]! - fround(scale * L[i]!));
    bestMse = fround(bestMse + fround(fround(qw[i]! * diff) * diff));
  }
  for (let is = -4; is <= 4; is++) {
    if (is === 0) continue;
    const iscaleIs = fround(fround(fround(TENTH * is) + nmax) / max);
    const scaleIs = fround(1 / iscaleIs);
    let mse = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.min(nmax, nearestInt(fround(iscaleIs * x[i]!)));
      const diff = fround(x[i]! - fround(scaleIs * l));
      mse = fround(mse + fround(fround(qw[i]! * diff) * diff));
    }
    if (mse < bestMse) {
      bestMse = mse;
      iscale = iscaleIs;
    }
  }
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.min(nmax, nearestInt(fround(iscale * x[i]!)));
    L[i] = l;
    const w = qw[i]!;
    sumlx = fround(sumlx + fround(fround(w * x[i]!) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const w = qw[i]!;
      const xi = x[i]!;
      const li = L[i]!;
      let slx = fround(sumlx - fround(fround(w * xi) * li));
      let sl2 = fround(suml2 - fround(fround(w * li) * li));
      if (slx > 0 && sl2 > 0) {
        const newL = Math.min(nmax, nearestIntWide(fround(fround(xi * sl2) / slx)));
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
