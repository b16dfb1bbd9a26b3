// Causal multi-head attention with grouped KV heads for one sequence, as llama.cpp's non-flash
// path: scores = q·k * scale (optionally soft-capped), masked beyond the causal (and sliding)
// window, softmax with the sum in double (and, with attention sinks, each head's sink logit in
// the max and the sum, as ggml's soft_max does: a share of attention that goes to no token),
// then the weighted sum of v. The q·k dot products and
// the weighted sums run in WebAssembly (wasm/assembly/attention.ts), the softmax here.
import { roundThroughF16 } from '../float16.ts';
import { wasmKernels } from '../wasm/wasm-instance.ts';
import { WASM_BASE64 } from './wasm/attention.wasm.generated.ts';

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
  /** One logit per head that joins every softmax without a value (gpt-oss's attn_sinks), or null. */
  sinks?: Float32Array | null;
}

interface AttentionExports {
  scores(qPtr: number, kPtr: number, kStride: number, dims: number, from: number, to: number, dotsPtr: number): void;
  weightedSum(pPtr: number, vPtr: number, vStride: number, dims: number, from: number, to: number, outPtr: number, accPtr: number): void;
}

const kernels = wasmKernels<AttentionExports>(WASM_BASE64);

export function causalAttention(q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionShape): Float32Array {
  const { tokens, heads, headsKv, headDimK: dk, headDimV: dv } = s;
  const group = heads / headsKv;
  const out = new Float32Array(tokens * heads * dv);
  const half = s.kvCache === 'f16';
  if (half) {
    q = q.map(roundThroughF16);
    k = k.map(roundThroughF16);
    v = v.map(roundThroughF16);
  }
  // Linear memory: q, k, v as they are, then the scores (double), the weights p (double), the
  // double accumulators and one head's output (float).
  const wasm = kernels();
  const qPtr = wasm.base;
  const kPtr = qPtr + q.length * 4;
  const vPtr = kPtr + k.length * 4;
  const dotsPtr = align8(vPtr + v.length * 4);
  const pPtr = dotsPtr + tokens * 8;
  const accPtr = pPtr + tokens * 8;
  const outPtr = accPtr + dv * 8;
  const buffer = wasm.reserve(outPtr + dv * 4 - qPtr);
  new Float32Array(buffer, qPtr, q.length).set(q);
  new Float32Array(buffer, kPtr, k.length).set(k);
  new Float32Array(buffer, vPtr, v.length).set(v);
  const scores = new Float64Array(buffer, dotsPtr, tokens);
  const weights = new Float64Array(buffer, pPtr, tokens);
  const headOut = new Float32Array(buffer, outPtr, dv);
  const { scores: dots, weightedSum } = wasm.exports;
  for (let h = 0; h < heads; h++) {
    const hk = Math.floor(h / group);
    for (let t = 0; t < tokens; t++) {
      const from = s.window === null ? 0 : Math.max(0, t - s.window + 1);
      dots(qPtr + (t * heads + h) * dk * 4, kPtr + hk * dk * 4, headsKv * dk * 4, dk, from, t, dotsPtr);
      const sink = s.sinks ? s.sinks[h]! : null;
      let max = sink ?? -Infinity;
      for (let u = from; u <= t; u++) {
        let score = fround(fround(scores[u]!) * s.scale);
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
      if (sink !== null) sum += fround(Math.exp(fround(sink - max)));
      const inv = fround(1 / sum);
      for (let u = from; u <= t; u++) weights[u] = half ? roundThroughF16(scores[u]! * inv) : fround(scores[u]! * inv);
      weightedSum(pPtr, vPtr + hk * dv * 4, headsKv * dv * 4, dv, from, t, outPtr, accPtr);
      out.set(headOut, (t * heads + h) * dv);
    }
  }
  return out;
}

const align8 = (n: number) => (n + 7) & ~7;
