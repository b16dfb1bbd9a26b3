// Rotary position embedding as ggml_rope_ext computes it (no YaRN): theta advances by
// theta_scale = base^(-2/n_dims) in float per pair, divided by rope_freqs (Llama 3) when present.
import type { RopeStyle } from './forward-types.ts';

const fround = Math.fround;

export interface RopeParams {
  style: RopeStyle;
  dims: number;
  base: number;
  freqScale: number;
  /** Per-pair frequency divisors (the rope_freqs.weight tensor), or null. */
  freqFactors: Float32Array | null;
}

/** cos/sin per (position, pair), positions 0..count-1: [pos * dims/2 + pair]. */
export function ropeTables(p: RopeParams, count: number): { cos: Float32Array; sin: Float32Array } {
  const pairs = p.dims / 2;
  const cos = new Float32Array(count * pairs);
  const sin = new Float32Array(count * pairs);
  const thetaScale = fround(Math.pow(p.base, fround(-2 / p.dims)));
  for (let pos = 0; pos < count; pos++) {
    let theta = fround(pos);
    for (let i = 0; i < pairs; i++) {
      const ff = p.freqFactors ? p.freqFactors[i]! : 1;
      const t = fround(p.freqScale * fround(theta / ff));
      cos[pos * pairs + i] = fround(Math.cos(t));
      sin[pos * pairs + i] = fround(Math.sin(t));
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
