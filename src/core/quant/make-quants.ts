// ggml's scale searches (make_qx_quants, make_qkx3_quants in ggml-quants.c), in float32 with the
// same operation order, so they pick the same scale and levels as the C code on x86-64 (no FMA).
// Arrays are passed with an offset instead of subarrays: these run once per 16-32 elements.
import { nearestInt } from './nearest-int.ts';
import { signedMaxOf } from './signed-max.ts';

const fround = Math.fround;
/** GROUP_MAX_EPS: below this |max| a group is treated as all zero. */
const GROUP_MAX_EPS = fround(1e-15);
const TENTH = fround(0.1);

// Scratch for one group (n <= 256 in every ggml caller; grown on demand). Module-level: these
// run synchronously, one group at a time.
let lScratch = new Uint8Array(256);
let xs = new Float32Array(256);
let ws = new Float32Array(256);
let xm = new Float32Array(256);

function growScratch(n: number): void {
  lScratch = new Uint8Array(n);
  xs = new Float32Array(n);
  ws = new Float32Array(n);
  xm = new Float32Array(n);
}

/**
 * Symmetric search, rmse_type 1: levels L[i] = l + nmax with l in [-nmax, nmax-1], weights
 * `qw[qwOff+i]` or x² when `qw` is null. Writes L[lOff..lOff+n) and returns the scale.
 */
export function makeQxQuants(
  n: number, nmax: number,
  x: Float32Array, xOff: number,
  L: Uint8Array, lOff: number,
  qw: Float32Array | null, qwOff: number,
): number {
  const max = signedMaxOf(x, xOff, n);
  if (Math.abs(max) < GROUP_MAX_EPS) {
    L.fill(0, lOff, lOff + n);
    return 0;
  }
  if (xs.length < n) growScratch(n);
  // xm holds w*x here: the same float product ggml forms first in w*x[i]*l, for every step.
  for (let i = 0; i < n; i++) {
    const v = x[xOff + i]!;
    const w = qw ? qw[qwOff + i]! : fround(v * v);
    xs[i] = v;
    ws[i] = w;
    xm[i] = fround(w * v);
  }
  const Laux = lScratch;
  let iscale = fround(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    let l = nearestInt(fround(iscale * xs[i]!));
    l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
    Laux[i] = l + nmax;
    sumlx = fround(sumlx + fround(xm[i]! * l));
    suml2 = fround(suml2 + fround(fround(ws[i]! * l) * l));
  }
  for (let i = 0; i < n; i++) L[lOff + i] = Laux[i]!;
  let scale = suml2 ? fround(sumlx / suml2) : 0;
  let best = fround(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fround(-fround(nmax + fround(TENTH * is)) / max);
    let changed = false;
    for (let i = 0; i < n; i++) {
      let l = nearestInt(fround(iscale * xs[i]!));
      l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
      l += nmax;
      if (Laux[i] !== l) { Laux[i] = l; changed = true; }
    }
    // Unchanged levels keep the previous step's sums (they depend on nothing else).
    if (changed) {
      sumlx = 0;
      suml2 = 0;
      for (let i = 0; i < n; i++) {
        const l = Laux[i]! - nmax;
        sumlx = fround(sumlx + fround(xm[i]! * l));
        suml2 = fround(suml2 + fround(fround(ws[i]! * l) * l));
      }
    }
    if (suml2 > 0 && fround(sumlx * sumlx) > fround(best * suml2)) {
      for (let i = 0; i < n; i++) L[lOff + i] = Laux[i]!;
      scale = fround(sumlx / suml2);
      best = fround(scale * sumlx);
    }
  }
  return scale;
}

/**
 * Asymmetric search: levels L[i] in [0, nmax] for x ≈ scale*L - theMin. Weights `weights[wOff+i]`
 * or x² when null. Writes L[lOff..lOff+n), stores the_min (ggml's -min, >= 0 up to sign of zero)
 * in minOut[0] and returns the scale.
 */
export function makeQkx3Quants(
  n: number, nmax: number,
  x: Float32Array, xOff: number,
  weights: Float32Array | null, wOff: number,
  L: Uint8Array, lOff: number,
  minOut: Float32Array,
  rmin: number, rdelta: number, nstep: number, useMad: boolean,
): number {
  if (xs.length < n) growScratch(n);
  // Local copies make the hot loops index one small array each.
  let nonNegative = true;
  for (let i = 0; i < n; i++) {
    const v = x[xOff + i]!;
    xs[i] = v;
    const w = weights ? weights[wOff + i]! : fround(v * v);
    ws[i] = w;
    if (!(w >= 0)) nonNegative = false;
  }
  weightsNonNegative = nonNegative;
  const scale = qkx3Search(n, nmax, L, lOff, rmin, rdelta, nstep, useMad);
  minOut[0] = -qkx3Min;
  return scale;
}

let qkx3Min = 0;
/** Every weight >= 0 (always so for x², |x|-based and imatrix weights): the error sums only grow. */
let weightsNonNegative = true;

/** make_qkx3_quants on xs/ws; leaves its final min in qkx3Min and returns the scale. */
function qkx3Search(
  n: number, nmax: number, L: Uint8Array, lOff: number,
  rmin: number, rdelta: number, nstep: number, useMad: boolean,
): number {
  // Local bindings: module-level lets are reached through the context with hole checks.
  const xsL = xs;
  const wsL = ws;
  const xmL = xm;
  const x0 = xsL[0]!;
  let min = x0;
  let max = x0;
  let sumW = wsL[0]!;
  let sumX = fround(sumW * x0);
  for (let i = 1; i < n; i++) {
    const v = xsL[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    const w = wsL[i]!;
    sumW = fround(sumW + w);
    sumX = fround(sumX + fround(w * v));
  }
  if (min > 0) min = 0;
  if (max <= min) {
    L.fill(0, lOff, lOff + n);
    qkx3Min = min;
    return 0;
  }
  let iscale = fround(nmax / fround(max - min));
  let scale = fround(1 / iscale);
  let bestMad = 0;
  for (let i = 0; i < n; i++) {
    const v = xsL[i]!;
    const d = fround(v - min);
    xmL[i] = d;
    let l = nearestInt(fround(iscale * d));
    l = l < 0 ? 0 : l > nmax ? nmax : l;
    L[lOff + i] = l;
    let diff = fround(fround(fround(scale * l) + min) - v);
    diff = useMad ? Math.abs(diff) : fround(diff * diff);
    bestMad = fround(bestMad + fround(wsL[i]! * diff));
  }
  if (nstep < 1) {
    qkx3Min = min;
    return scale;
  }
  const Laux = lScratch;
  for (let is = 0; is <= nstep; is++) {
    // `min` changes when a step wins, and later steps use the new one (as ggml does).
    iscale = fround(fround(fround(rmin + fround(rdelta * is)) + nmax) / fround(max - min));
    let changed = is === 0;
    for (let i = 0; i < n; i++) {
      let l = nearestInt(fround(iscale * xmL[i]!));
      l = l < 0 ? 0 : l > nmax ? nmax : l;
      if (Laux[i] !== l) { Laux[i] = l; changed = true; }
    }
    // The same levels as the previous step give the same sums, scale, min and error, which can
    // never beat best_mad (at most that step's error): skipping them is exact.
    if (!changed) continue;
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Laux[i]!;
      const wl = fround(wsL[i]! * l);
      sumL = fround(sumL + wl);
      sumL2 = fround(sumL2 + fround(wl * l));
      sumXL = fround(sumXL + fround(wl * xsL[i]!));
    }
    const D = fround(fround(sumW * sumL2) - fround(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = fround(fround(fround(sumW * sumXL) - fround(sumX * sumL)) / D);
    let thisMin = fround(fround(fround(sumL2 * sumX) - fround(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = fround(sumXL / sumL2);
    }
    let mad = 0;
    for (let i = 0; i < n; i++) {
      let diff = fround(fround(fround(thisScale * Laux[i]!) + thisMin) - xsL[i]!);
      diff = useMad ? Math.abs(diff) : fround(diff * diff);
      mad = fround(mad + fround(wsL[i]! * diff));
      // A float sum of terms >= 0 never decreases (round to nearest is monotone), so once it
      // reaches best_mad this step cannot win: stopping here changes no result.
      if (mad >= bestMad && weightsNonNegative) break;
    }
    if (mad < bestMad) {
      for (let i = 0; i < n; i++) L[lOff + i] = Laux[i]!;
      bestMad = mad;
      scale = thisScale;
      // Assigned even when equal: the sign of a zero min reaches the stored m.
      const moved = thisMin !== min;
      min = thisMin;
      if (moved) for (let i = 0; i < n; i++) xmL[i] = fround(xsL[i]! - min);
    }
  }
  qkx3Min = min;
  return scale;
}
