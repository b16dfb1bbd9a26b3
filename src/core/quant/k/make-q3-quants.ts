// ggml's make_q3_quants with do_rmse: the scale search of Q3_K without an imatrix. Symmetric
// levels -nmax..nmax-1 with weights x², refined by five greedy passes that move one level at a
// time while the weighted fit improves. Float32 in ggml's order.
import { nearestInt, nearestIntWide } from '../nearest-int.ts';
import { signedMaxOf } from '../signed-max.ts';

const fround = Math.fround;
const GROUP_MAX_EPS = fround(1e-15);

// Signed working levels of one group (n <= 16 in Q3_K).
const levels = new Int8Array(16);

/** Writes L[lOff..lOff+n) = level + nmax (all 0 for an all-zero group) and returns the scale. */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, xOff: number, L: Uint8Array, lOff: number): number {
  const max = signedMaxOf(x, xOff, n);
  if (Math.abs(max) < GROUP_MAX_EPS) {
    L.fill(0, lOff, lOff + n);
    return 0;
  }
  const iscale = fround(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xOff + i]!;
    let l = nearestInt(fround(iscale * v));
    l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
    levels[i] = l;
    const w = fround(v * v);
    sumlx = fround(sumlx + fround(fround(w * v) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xOff + i]!;
      const w = fround(v * v);
      const li = levels[i]!;
      let slx = fround(sumlx - fround(fround(w * v) * li));
      if (slx > 0) {
        let sl2 = fround(suml2 - fround(fround(w * li) * li));
        let newL = nearestIntWide(fround(fround(v * sl2) / slx));
        newL = newL < -nmax ? -nmax : newL > nmax - 1 ? nmax - 1 : newL;
        if (newL !== li) {
          slx = fround(slx + fround(fround(w * v) * newL));
          sl2 = fround(sl2 + fround(fround(w * newL) * newL));
          if (sl2 > 0 && fround(fround(slx * slx) * suml2) > fround(fround(sumlx * sumlx) * sl2)) {
            levels[i] = newL;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (changed === 0) break;
  }
  for (let i = 0; i < n; i++) L[lOff + i] = levels[i]! + nmax;
  return suml2 > 0 ? fround(sumlx / suml2) : 0;
}
