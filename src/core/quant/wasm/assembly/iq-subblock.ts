// The per-sub-block steps the IQ2/IQ3 quantizers (and, for the weights and scale codes, IQ1_S and
// IQ1_M) take alike: importance weights, the split into magnitudes and sign bytes, the search on
// the magnitudes, the sign flip when it ends on a negative scale, and the sub-block scale code.
// Float32 in ggml's order; lane-wise steps four at a time.
import { nearestInt, clampInt } from './numerics';
import { searchSubBlockScale } from './iq-scale-search';
import { SIGNS, WAUX, WEIGHT, XVAL } from './iq-scratch';

/** WEIGHT[i] = qw[i] * sqrtf(sigma2 + x[i]²), i < n (a multiple of 4): ggml's imatrix weights. */
export function importanceWeights(x: usize, qw: usize, n: i32, sigma2: f32): void {
  const s = f32x4.splat(sigma2);
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(x + at);
    v128.store(WEIGHT + at, f32x4.mul(v128.load(qw + at), f32x4.sqrt(f32x4.add(s, f32x4.mul(v, v)))));
  }
}

/** WEIGHT[i] = x[i]²: the weights IQ3_XXS, IQ3_S and IQ1_M use without an imatrix. */
export function squareWeights(x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(x + at);
    v128.store(WEIGHT + at, f32x4.mul(v, v));
  }
}

/**
 * Once WEIGHT is set: WAUX = sqrt(WEIGHT); XVAL = |x| and SIGNS = the sign bits of each 8 values.
 * With evenParity (IQ2_XXS, IQ2_XS, IQ3_XXS keep 7 sign bits per 8 values) a group with an odd
 * count of negatives gives up the sign of its least important value (smallest w*x², the first of
 * equals): that magnitude is negated instead, and the byte keeps 7 bits. Returns the largest
 * magnitude (ggml's MAX loop over XVAL).
 */
export function prepareSubBlock(x: usize, n: i32, evenParity: bool): f32 {
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    v128.store(WAUX + at, f32x4.sqrt(v128.load(WEIGHT + at)));
  }
  for (let k = 0; k < n / 8; k++) {
    const g = x + (<usize>k << 5);
    let s = 0;
    let nflip = 0;
    for (let i = 0; i < 8; i++) {
      const at = <usize>i << 2;
      const v = load<f32>(g + at);
      if (v >= 0) {
        store<f32>(XVAL + (<usize>(8 * k) << 2) + at, v);
      } else {
        store<f32>(XVAL + (<usize>(8 * k) << 2) + at, -v);
        nflip++;
        s |= 1 << i;
      }
    }
    if (evenParity && (nflip & 1) == 1) {
      const w = WEIGHT + (<usize>k << 5);
      let imin = 0;
      let min = load<f32>(w) * load<f32>(g) * load<f32>(g);
      for (let i = 1; i < 8; i++) {
        const at = <usize>i << 2;
        const v = load<f32>(g + at);
        const ax = load<f32>(w + at) * v * v;
        if (ax < min) {
          min = ax;
          imin = i;
        }
      }
      const at = XVAL + (<usize>(8 * k + imin) << 2);
      store<f32>(at, -load<f32>(at));
      s ^= 1 << imin;
    }
    store<u8>(SIGNS + k, <u8>(evenParity ? s & 127 : s));
  }
  let max = load<f32>(XVAL);
  for (let i = 1; i < n; i++) {
    const v = load<f32>(XVAL + (<usize>i << 2));
    max = max > v ? max : v;
  }
  return max;
}

/**
 * searchSubBlockScale on the prepared sub-block. The search runs on magnitudes and, like ggml's,
 * may end on a negative scale: then every stored sign of the sub-block flips (within the 7 bits
 * an even-parity sign byte keeps). Returns |scale|.
 */
export function searchPositiveScale(
  g: i32, dim: i32, n: i32, maxLevel: i32, range: i32, step: f32, refine: i32, evenParity: bool,
  denom: f32, startScale: f32, startOnGrid: bool,
): f32 {
  const scale = searchSubBlockScale(g, dim, n, maxLevel, range, step, refine, denom, startScale, startOnGrid);
  if (!(scale < 0)) return scale;
  const mask = evenParity ? 127 : 0xff;
  for (let k = 0; k < n / 8; k++) store<u8>(SIGNS + k, <u8>(~load<u8>(SIGNS + k) & mask));
  return -scale;
}

/** The stored code of a sub-block scale at inverse super-block scale id: nearest_int(0.5*(id*scale - 1)) in 0..maxCode. */
export function subBlockScaleCode(id: f32, scale: f32, maxCode: i32): i32 {
  return clampInt(nearestInt(<f32>0.5 * (id * scale - <f32>1)), 0, maxCode);
}
