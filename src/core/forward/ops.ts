// The float32 kernels of the forward, rounded where ggml's CPU backend stores a float (so the
// results track llama.cpp's to float32 noise). Matrices are row-major: rows tokens, cols features.
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
 * y = x · Wᵀ for a ggml weight of ne [cols, outCols] (row o of W holds output o's inputs).
 * Dot products accumulate in double; llama.cpp's SIMD float sums differ at the 1e-7 level.
 */
export function matmul(x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number, bias?: Float32Array): Float32Array {
  if (w.length !== cols * outCols) throw new Error(`matmul: weight has ${w.length} values, expected ${cols}×${outCols}`);
  const y = new Float32Array(rows * outCols);
  const tail = cols & ~3;
  for (let o = 0; o < outCols; o++) {
    const wo = o * cols;
    const b = bias ? bias[o]! : 0;
    let r = 0;
    // Two rows at a time share each weight load (the sums, and their order, are each row's own).
    for (; r + 2 <= rows; r += 2) {
      const xo = r * cols;
      const xp = xo + cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let i = 0; i < tail; i += 4) {
        const w0 = w[wo + i]!, w1 = w[wo + i + 1]!, w2 = w[wo + i + 2]!, w3 = w[wo + i + 3]!;
        s0 += x[xo + i]! * w0; s1 += x[xo + i + 1]! * w1; s2 += x[xo + i + 2]! * w2; s3 += x[xo + i + 3]! * w3;
        t0 += x[xp + i]! * w0; t1 += x[xp + i + 1]! * w1; t2 += x[xp + i + 2]! * w2; t3 += x[xp + i + 3]! * w3;
      }
      for (let i = tail; i < cols; i++) {
        s0 += x[xo + i]! * w[wo + i]!;
        t0 += x[xp + i]! * w[wo + i]!;
      }
      y[r * outCols + o] = fround(s0 + s1 + s2 + s3) + b;
      y[(r + 1) * outCols + o] = fround(t0 + t1 + t2 + t3) + b;
    }
    for (; r < rows; r++) {
      const xo = r * cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < tail; i += 4) {
        s0 += x[xo + i]! * w[wo + i]!;
        s1 += x[xo + i + 1]! * w[wo + i + 1]!;
        s2 += x[xo + i + 2]! * w[wo + i + 2]!;
        s3 += x[xo + i + 3]! * w[wo + i + 3]!;
      }
      for (let i = tail; i < cols; i++) s0 += x[xo + i]! * w[wo + i]!;
      y[r * outCols + o] = fround(s0 + s1 + s2 + s3) + b;
    }
  }
  return y;
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

/** tanh(x / cap) * cap, in place (Gemma 2's logit soft-capping). */
export function softcapInPlace(x: Float32Array, cap: number): void {
  for (let i = 0; i < x.length; i++) x[i] = fround(Math.tanh(x[i]! / cap) * cap);
}

export function addInPlace(acc: Float32Array, x: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + x[i]!;
}
