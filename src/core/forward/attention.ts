// Causal multi-head attention with grouped KV heads for one sequence, as llama.cpp's non-flash
// path: scores = q·k * scale (optionally soft-capped), masked beyond the causal (and sliding)
// window, softmax with the sum in double, then the weighted sum of v.
import { roundThroughF16 } from '../float16.ts';

const fround = Math.fround;

export interface AttentionShape {
  tokens: number;
  heads: number;
  headsKv: number;
  headDimK: number;
  headDimV: number;
  scale: number;
  softcap: number | null;
  /** Keys at distance >= window are masked (llama.cpp's standard SWA), or null. */
  window: number | null;
  /**
   * 'f16' rounds q, k, v and the attention weights to f16 as llama.cpp's default F16 KV cache
   * does on the CPU (K·Q and V·softmax are f16 dot products there); 'f32' keeps them exact.
   */
  kvCache: 'f32' | 'f16';
}

export function causalAttention(q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionShape): Float32Array {
  const { tokens, heads, headsKv, headDimK: dk, headDimV: dv } = s;
  const group = heads / headsKv;
  const out = new Float32Array(tokens * heads * dv);
  const scores = new Float64Array(tokens);
  const acc = new Float64Array(dv);
  const half = s.kvCache === 'f16';
  if (half) {
    q = q.map(roundThroughF16);
    k = k.map(roundThroughF16);
    v = v.map(roundThroughF16);
  }
  for (let h = 0; h < heads; h++) {
    const hk = Math.floor(h / group);
    for (let t = 0; t < tokens; t++) {
      const qo = (t * heads + h) * dk;
      const from = s.window === null ? 0 : Math.max(0, t - s.window + 1);
      let max = -Infinity;
      for (let u = from; u <= t; u++) {
        const ko = (u * headsKv + hk) * dk;
        let dot = 0;
        for (let i = 0; i < dk; i++) dot += q[qo + i]! * k[ko + i]!;
        let score = fround(fround(dot) * s.scale);
        if (s.softcap !== null) score = fround(Math.tanh(score / s.softcap) * s.softcap);
        scores[u] = score;
        if (score > max) max = score;
      }
      let sum = 0;
      for (let u = from; u <= t; u++) {
        const e = fround(Math.exp(scores[u]! - max));
        scores[u] = e;
        sum += e;
      }
      const inv = fround(1 / sum);
      acc.fill(0);
      for (let u = from; u <= t; u++) {
        const p = half ? roundThroughF16(scores[u]! * inv) : fround(scores[u]! * inv);
        const vo = (u * headsKv + hk) * dv;
        for (let i = 0; i < dv; i++) acc[i] += p * v[vo + i]!;
      }
      const oo = (t * heads + h) * dv;
      for (let i = 0; i < dv; i++) out[oo + i] = acc[i]!;
    }
  }
  return out;
}
