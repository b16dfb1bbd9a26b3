// A Mamba-2 mixer (Granite 4.0-h) over one sequence, as llama.cpp's build_mamba2_layer computes it
// on the CPU: in_proj's rows split into z | xBC | dt; a causal depthwise convolution over xBC from a
// zero state (a float sum over the taps, oldest first), plus its bias, through silu; xBC split into
// x | B | C, head h reading group h / (heads / groups); the selective scan (ggml_ssm_scan): per head,
// sp = softplus(dt + dt_bias), dA = exp(sp·A), and per state element s = s·dA + B·(x·sp) with
// y = Σ s·C; then y + x·D, gated by silu(z), RMS-normed per group, ready for out_proj.
import { silu } from './ops.ts';

const fround = Math.fround;

export interface Mamba2Sizes {
  inner: number;
  stateSize: number;
  groups: number;
  heads: number;
  convKernel: number;
}

export interface Mamba2Weights {
  /** ssm_conv1d: ne [kernel, channels], channel c's taps at c·kernel. */
  conv: Float32Array;
  convBias?: Float32Array;
  dtBias: Float32Array;
  /** A = -exp(A_log), one per head. */
  a: Float32Array;
  d: Float32Array;
  /** ssm_norm: ne [inner / groups, groups], i.e. one weight per inner channel. */
  norm: Float32Array;
}

/** ggml_compute_softplus_f32: x above 20 as it is, else log(1 + exp(x)) in float. */
const softplus = (x: number): number => (x > 20 ? x : fround(Math.log(fround(1 + fround(Math.exp(x))))));

/**
 * The mixer's output before out_proj for `tokens` rows of in_proj's output (`zxbcdt`, rows of
 * 2·inner + 2·groups·state + heads), into `out` (rows of `inner`).
 */
export function mamba2Sequence(zxbcdt: Float32Array, tokens: number, s: Mamba2Sizes, w: Mamba2Weights, eps: number, out: Float32Array): void {
  const { inner, stateSize: ds, groups, heads, convKernel: dc } = s;
  const channels = inner + 2 * groups * ds;
  const row = 2 * inner + 2 * groups * ds + heads;
  const headDim = inner / heads;
  const perGroup = heads / groups;
  // The convolution of xBC (from a zero state), its bias and silu, token by token.
  const xbc = new Float32Array(tokens * channels);
  for (let t = 0; t < tokens; t++) {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let k = 0; k < dc; k++) {
        const from = t - (dc - 1) + k;
        if (from >= 0) sum = fround(sum + fround(zxbcdt[from * row + inner + c]! * w.conv[c * dc + k]!));
      }
      xbc[t * channels + c] = silu(w.convBias ? fround(sum + w.convBias[c]!) : sum);
    }
  }
  const state = new Float32Array(heads * headDim * ds);
  const y = new Float32Array(inner);
  const groupSize = inner / groups;
  for (let t = 0; t < tokens; t++) {
    const xs = t * channels;
    const B = xs + inner;
    const C = xs + inner + groups * ds;
    for (let h = 0; h < heads; h++) {
      const sp = softplus(fround(zxbcdt[t * row + 2 * inner + 2 * groups * ds + h]! + w.dtBias[h]!));
      const dA = fround(Math.exp(fround(sp * w.a[h]!)));
      const g = Math.floor(h / perGroup);
      for (let p = 0; p < headDim; p++) {
        const ii = h * headDim + p;
        const x = xbc[xs + ii]!;
        const xdt = fround(x * sp);
        let sum = 0;
        for (let n = 0; n < ds; n++) {
          const st = fround(fround(state[ii * ds + n]! * dA) + fround(xbc[B + g * ds + n]! * xdt));
          sum = fround(sum + fround(st * xbc[C + g * ds + n]!));
          state[ii * ds + n] = st;
        }
        // The skip term, then the gate: silu(z) · y.
        const skipped = fround(sum + fround(x * w.d[h]!));
        y[ii] = fround(silu(zxbcdt[t * row + ii]!) * skipped);
      }
    }
    // RMS norm per group of inner / groups channels (sum of squares in double, as ggml_rms_norm).
    for (let gi = 0; gi < groups; gi++) {
      let sq = 0;
      for (let c = gi * groupSize; c < (gi + 1) * groupSize; c++) sq += fround(y[c]! * y[c]!);
      const scale = fround(1 / fround(Math.sqrt(fround(fround(sq / groupSize) + eps))));
      for (let c = gi * groupSize; c < (gi + 1) * groupSize; c++) out[t * inner + c] = fround(fround(y[c]! * scale) * w.norm[c]!);
    }
  }
}
