// The float32 kernels of the forward, rounded where ggml's CPU backend stores a float (so the
// results track llama.cpp's to float32 noise). Matrices are row-major: rows tokens, cols features.
import type { FfnActivation, ForwardHparams } from './forward-types.ts';
import { matmulWasm, type MatmulSums } from './wasm/matmul-wasm.ts';

export type { MatmulSums };

const fround = Math.fround;

/** ggml_rms_norm then ggml_mul by `weight`: sum of squares in double, scale in float. */
export function rmsNormRows(x: Float32Array, rows: number, cols: number, weight: Float32Array, eps: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let sum = 0;
    for (let i = 0; i < cols; i++) sum += fround(x[o + i]! * x[o + i]!);
    const scale = fround(1 / fround(Math.sqrt(fround(fround(sum / cols) + eps))));
    for (let i = 0; i < cols; i++) out[o + i] = fround(x[o + i]! * scale) * weight[i]!;
  }
  return out;
}

/**
 * y = x · Wᵀ for a ggml weight of ne [cols, outCols] (row o of W holds output o's inputs), in
 * WebAssembly SIMD with the products and sums in double, or in float lanes where asked (see
 * wasm/assembly/matmul.entry.ts).
 */
export function matmul(x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number, bias?: Float32Array, sums: MatmulSums = 'double'): Float32Array {
  if (w.length !== cols * outCols) throw new Error(`matmul: weight has ${w.length} values, expected ${cols}×${outCols}`);
  return matmulWasm(x, rows, cols, w, outCols, bias, sums);
}

/** ggml_silu_f32: x / (1 + expf(-x)). */
export const silu = (x: number): number => fround(x / fround(1 + fround(Math.exp(-x))));

const GELU_COEF_A = 0.044715;
const SQRT_2_OVER_PI = 0.7978845608028654;
/** ggml's tanh-approximated GELU (computed in float, without ggml's optional f16 table). */
export const gelu = (x: number): number => fround(0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * x * (1 + GELU_COEF_A * x * x))));

/** gate := act(gate) * up, in place. */
export function gatedActivation(gate: Float32Array, up: Float32Array, act: (x: number) => number): Float32Array {
  for (let i = 0; i < gate.length; i++) gate[i] = act(gate[i]!) * up[i]!;
  return gate;
}

const OAI_ALPHA = fround(1.702);
const OAI_LIMIT = 7;

/** ggml_swiglu_oai with gpt-oss's alpha 1.702 and limit 7, in place: min(g, 7)·σ(1.702·min(g, 7))·(clamp(u, ±7) + 1). */
export function swigluOai(gate: Float32Array, up: Float32Array): Float32Array {
  for (let i = 0; i < gate.length; i++) {
    const x = Math.min(gate[i]!, OAI_LIMIT);
    const y = Math.min(Math.max(up[i]!, -OAI_LIMIT), OAI_LIMIT);
    const glu = fround(x / fround(1 + fround(Math.exp(fround(OAI_ALPHA * -x)))));
    gate[i] = fround(glu * fround(y + 1));
  }
  return gate;
}

/** The gated feed-forward's activation of (gate, up), into gate. */
export type Glu = (gate: Float32Array, up: Float32Array) => Float32Array;

export function gluOf(activation: FfnActivation): Glu {
  if (activation === 'swiglu-oai') return swigluOai;
  const act = activation === 'silu' ? silu : gelu;
  return (gate, up) => gatedActivation(gate, up, act);
}

/** tanh(x / cap) * cap, in place (Gemma 2's logit soft-capping). */
export function softcapInPlace(x: Float32Array, cap: number): void {
  for (let i = 0; i < x.length; i++) x[i] = fround(Math.tanh(x[i]! / cap) * cap);
}

/** ggml_scale: each value times a float factor. */
export function scaleInPlace(x: Float32Array, factor: number): void {
  for (let i = 0; i < x.length; i++) x[i] = fround(x[i]! * factor);
}

/** The output head's last steps on its logits: Gemma's final soft-cap, Granite's logit scale. */
export function finishLogits(logits: Float32Array, hp: Pick<ForwardHparams, 'finalSoftcap' | 'logitScale'>): void {
  if (hp.finalSoftcap !== null) softcapInPlace(logits, hp.finalSoftcap);
  if (hp.logitScale !== null) scaleInPlace(logits, hp.logitScale);
}

export function addInPlace(acc: Float32Array, x: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + x[i]!;
}
