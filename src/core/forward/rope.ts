// Rotary position embedding as ggml_rope_ext computes it: theta advances by
// theta_scale = base^(-2/n_dims) in float per pair, divided by per-pair frequency factors when
// the model has them (Llama 3's rope_freqs, Phi-3's LongRoPE rope_factors_short/long); cos and
// sin are multiplied by the attention factor (ggml's mscale: LongRoPE's, else 1). With YaRN
// (gpt-oss) each pair's angle blends the scaled and the unscaled one by a ramp over the pairs
// between two correction dimensions, and the magnitude gains 1 + 0.1·ln(1/freq_scale).
import type { ForwardModel, RopeStyle, WeightSource } from './forward-types.ts';

const fround = Math.fround;

export interface RopeParams {
  style: RopeStyle;
  dims: number;
  base: number;
  freqScale: number;
  /** Per-pair frequency divisors (rope_freqs or rope_factors_*), or null. */
  freqFactors: Float32Array | null;
  /** Multiplies cos and sin (1 unless the model says otherwise). */
  attnFactor: number;
  /** YaRN's ext_factor and correction range (ggml_rope_yarn_corr_dims), or null. */
  yarn: { extFactor: number; corrDims: [number, number] } | null;
}

/** llama.cpp pads a context's cells per sequence to a multiple of 256 (llama_context's n_ctx_seq). */
const contextOf = (longestSequence: number): number => Math.ceil(longestSequence / 256) * 256;

/**
 * The rope of a run whose longest sequence has `longestSequence` tokens. LongRoPE's factors are
 * chosen as llama.cpp chooses them (llama_model::get_rope_factors): long where the context per
 * sequence exceeds the original training context, short otherwise. llama.cpp decides on the
 * context it was created with; ours is the longest sequence, padded as llama.cpp pads: the same
 * choice wherever llama-imatrix and llama-perplexity run a context of one chunk.
 */
export async function ropeOfRun(model: ForwardModel, weights: WeightSource, longestSequence: number): Promise<RopeParams> {
  const hp = model.hparams;
  const long = contextOf(longestSequence) > hp.ropeOriginalContext;
  const factors = model.tensors.get('rope_freqs.weight') ?? model.tensors.get(long ? 'rope_factors_long.weight' : 'rope_factors_short.weight');
  return {
    style: hp.ropeStyle, dims: hp.ropeDims, base: hp.ropeBase, freqScale: hp.ropeFreqScale,
    freqFactors: factors ? await weights(factors) : null, attnFactor: hp.ropeAttnFactor,
    yarn: hp.ropeYarn && { extFactor: hp.ropeYarn.extFactor, corrDims: yarnCorrectionDims(hp.ropeDims, hp.ropeOriginalContext, hp.ropeBase, hp.ropeYarn.betaFast, hp.ropeYarn.betaSlow) },
  };
}

/** ggml_rope_yarn_corr_dim: the pair whose wavelength makes `rotations` turns over the original context. */
function yarnCorrectionDim(dims: number, originalContext: number, rotations: number, base: number): number {
  const turns = fround(originalContext / fround(fround(rotations * 2) * fround(Math.PI)));
  return fround(fround(dims * fround(Math.log(turns))) / fround(2 * fround(Math.log(base))));
}

/** ggml_rope_yarn_corr_dims: the pairs between beta_fast's and beta_slow's dimensions get the ramp. */
export function yarnCorrectionDims(dims: number, originalContext: number, base: number, betaFast: number, betaSlow: number): [number, number] {
  const start = Math.floor(yarnCorrectionDim(dims, originalContext, betaFast, base));
  const end = Math.ceil(yarnCorrectionDim(dims, originalContext, betaSlow, base));
  return [Math.max(0, start), Math.min(dims - 1, end)];
}

/** rope_yarn_ramp for pair i: 1 below the range, 0 above it, linear between. */
function yarnRamp(low: number, high: number, pair: number): number {
  const y = fround(fround(pair - low) / Math.max(fround(0.001), fround(high - low)));
  return fround(1 - Math.min(1, Math.max(0, y)));
}

/** cos/sin per (position, pair), positions 0..count-1: [pos * dims/2 + pair]. */
export function ropeTables(p: RopeParams, count: number): { cos: Float32Array; sin: Float32Array } {
  const pairs = p.dims / 2;
  const cos = new Float32Array(count * pairs);
  const sin = new Float32Array(count * pairs);
  const thetaScale = fround(Math.pow(p.base, fround(-2 / p.dims)));
  const yarn = p.yarn && p.yarn.extFactor !== 0 ? p.yarn : null;
  const mscale = yarn ? fround(p.attnFactor * fround(1 + fround(fround(0.1) * fround(Math.log(fround(1 / p.freqScale)))))) : p.attnFactor;
  const rampMix = yarn ? Array.from({ length: pairs }, (_, i) => fround(yarnRamp(yarn.corrDims[0], yarn.corrDims[1], i) * yarn.extFactor)) : null;
  for (let pos = 0; pos < count; pos++) {
    let theta = fround(pos);
    for (let i = 0; i < pairs; i++) {
      const ff = p.freqFactors ? p.freqFactors[i]! : 1;
      const extrapolated = fround(theta / ff);
      let t = fround(p.freqScale * extrapolated);
      if (rampMix) t = fround(fround(t * fround(1 - rampMix[i]!)) + fround(extrapolated * rampMix[i]!));
      cos[pos * pairs + i] = fround(fround(Math.cos(t)) * mscale);
      sin[pos * pairs + i] = fround(fround(Math.sin(t)) * mscale);
      theta = fround(theta * thetaScale);
    }
  }
  return { cos, sin };
}

/**
 * Rotates `heads` heads of `headDim` values per token in place (x is tokens × heads*headDim),
 * token t at position t. Normal style pairs (2i, 2i+1); NeoX pairs (i, i + dims/2).
 */
export function applyRope(x: Float32Array, tokens: number, heads: number, headDim: number, p: RopeParams, tables: { cos: Float32Array; sin: Float32Array }): void {
  const pairs = p.dims / 2;
  const stride = p.style === 'normal' ? 1 : pairs;
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = 0; i < pairs; i++) {
        const a = o + (p.style === 'normal' ? 2 * i : i);
        const b = a + stride;
        const c = tables.cos[t * pairs + i]!;
        const s = tables.sin[t * pairs + i]!;
        const x0 = x[a]!;
        const x1 = x[b]!;
        x[a] = fround(x0 * c) - fround(x1 * s);
        x[b] = fround(x0 * s) + fround(x1 * c);
      }
    }
  }
}
