// The per-sub-block steps that IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS and IQ3_S (and, for the weights and
// the scale codes, IQ1_S and IQ1_M) take in the same way: importance weights, the split into
// magnitudes and signs before the scale search, the sign flip when the search ends on a negative
// scale, and the 4-bit (3-bit for IQ1) sub-block scale code. The GPU kernels share the same steps in
// shaders/quant/iq-search.wgsl (iq_importance_weights, iq_prepare_subblock, iq_positive_scale).
// Float32 in ggml's order: every operation is rounded where ggml rounds it.
import { nearestInt } from '../nearest-int.ts';
import { maxOf, splitSigns } from './iq-signs.ts';

const fround = Math.fround;

/** weight[i] = qw[qo+i] * sqrtf(sigma2 + x²) for x = x[xo+i], i < n: ggml's imatrix weights. */
export function importanceWeights(
  x: Float32Array, xo: number, qw: Float32Array, qo: number, n: number, sigma2: number, weight: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    weight[i] = fround(qw[qo + i]! * fround(Math.sqrt(fround(sigma2 + fround(v * v)))));
  }
}

/** weight[i] = x[xo+i]²: the weights IQ3_XXS, IQ3_S and IQ1_M use without an imatrix. */
export function squareWeights(x: Float32Array, xo: number, n: number, weight: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    weight[i] = fround(v * v);
  }
}

/**
 * Once `weight` is set: waux = sqrt(weight) (the neighbour search's weights), xval / signs = the
 * magnitudes and sign bytes of x[xo..xo+n) (see splitSigns for `evenParity`). Returns the largest
 * magnitude, which decides whether the sub-block is empty and where the scale search starts.
 */
export function prepareSubBlock(
  x: Float32Array, xo: number, weight: Float32Array, n: number, evenParity: boolean,
  waux: Float32Array, xval: Float32Array, signs: Uint8Array,
): number {
  for (let i = 0; i < n; i++) waux[i] = Math.sqrt(weight[i]!);
  splitSigns(x, xo, weight, n, evenParity, xval, signs);
  return maxOf(xval, n);
}

/**
 * The search ran on magnitudes, and like ggml's it may end on a negative scale: then every stored
 * sign of the sub-block flips (within the 7 bits an even-parity sign byte keeps). Returns |scale|.
 */
export function positiveScale(scale: number, signs: Uint8Array, n: number, evenParity: boolean): number {
  if (!(scale < 0)) return scale;
  const mask = evenParity ? 127 : 0xff;
  for (let k = 0; k < n / 8; k++) signs[k] = ~signs[k]! & mask;
  return -scale;
}

/** The stored code of a sub-block scale at inverse super-block scale id: nearest_int(0.5*(id*scale - 1)) in 0..maxCode. */
export function subBlockScaleCode(id: number, scale: number, maxCode: number): number {
  const l = nearestInt(fround(0.5 * fround(fround(id * scale) - 1)));
  return l < 0 ? 0 : l > maxCode ? maxCode : l;
}
