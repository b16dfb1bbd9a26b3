// The per-sub-block steps that IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS and IQ3_S (and, for the weights and
// the scale codes, IQ1_S and IQ1_M) take in the same way: importance weights, the split into
// magnitudes and signs before the scale search, the sign flip when the search ends on a negative
// scale, and the 4-bit (3-bit for IQ1) sub-block scale code. The GPU kernels share the same steps in
// shaders/quant/iq-search.wgsl (iq_importance_weights, iq_prepare_subblock, iq_positive_scale).
// Float32 in ggml's order: every operation is rounded where ggml rounds it.
import { nearestInt } from '../nearest-int.ts';
import { scaleSearchScratch, searchSubBlockScale, type ScaleSearchConfig, type ScaleSearchScratch } from './iq-scale-search.ts';
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

/** The buffers one quantizer's sub-block search works in (never shared between types that could interleave). */
export interface SubBlockScratch {
  /** Importance weights of the sub-block's values. */
  readonly weight: Float32Array;
  /** sqrt(weight): the weights of the neighbour search. */
  readonly waux: Float32Array;
  /** Magnitudes, after the sign split. */
  readonly xval: Float32Array;
  /** One sign byte per 8 values. */
  readonly signs: Uint8Array;
  /** The scale search's own buffers; its levels (L) are the result. */
  readonly search: ScaleSearchScratch;
  /** Sign bytes keep 7 bits, the 8th implied by even parity (IQ2_XXS, IQ2_XS, IQ3_XXS): see splitSigns. */
  readonly evenParity: boolean;
}

/** Buffers for sub-blocks of n values. */
export function subBlockScratch(n: number, signs: { readonly evenParity: boolean }): SubBlockScratch {
  return {
    weight: new Float32Array(n), waux: new Float32Array(n), xval: new Float32Array(n),
    signs: new Uint8Array(n / 8), search: scaleSearchScratch(n), evenParity: signs.evenParity,
  };
}

/**
 * Once s.weight is set: waux = sqrt(weight), xval / signs = the magnitudes and sign bytes of the
 * sub-block x[xo..). Returns the largest magnitude, which decides whether the sub-block is empty
 * and where the scale search starts.
 */
export function prepareSubBlock(x: Float32Array, xo: number, s: SubBlockScratch): number {
  const { weight, waux, xval, signs } = s;
  const n = weight.length;
  for (let i = 0; i < n; i++) waux[i] = Math.sqrt(weight[i]!);
  splitSigns(x, xo, weight, n, s.evenParity, xval, signs);
  return maxOf(xval, n);
}

/**
 * searchSubBlockScale on the prepared sub-block, leaving its levels in s.search.L. The search runs
 * on magnitudes and, like ggml's, may end on a negative scale: then every stored sign of the
 * sub-block flips (within the 7 bits an even-parity sign byte keeps). Returns |scale|.
 */
export function searchPositiveScale(
  cfg: ScaleSearchConfig, s: SubBlockScratch, denom: number, startScale: number, startOnGrid: boolean,
): number {
  const scale = searchSubBlockScale(cfg, s.xval, s.weight, s.waux, denom, startScale, startOnGrid, s.search);
  if (!(scale < 0)) return scale;
  const mask = s.evenParity ? 127 : 0xff;
  for (let k = 0; k < cfg.n / 8; k++) s.signs[k] = ~s.signs[k]! & mask;
  return -scale;
}

/** The stored code of a sub-block scale at inverse super-block scale id: nearest_int(0.5*(id*scale - 1)) in 0..maxCode. */
export function subBlockScaleCode(id: number, scale: number, maxCode: number): number {
  const l = nearestInt(fround(0.5 * fround(fround(id * scale) - 1)));
  return l < 0 ? 0 : l > maxCode ? maxCode : l;
}
