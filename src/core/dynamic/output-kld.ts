// The output head and the KL divergence of a perturbed model against the base, at the scored
// positions. This is the hot loop of the sensitivity pass (vocab × hidden per position).
import type { ForwardHparams } from '../forward/forward-types.ts';
import { rmsNormRows, softcapInPlace } from '../forward/ops.ts';

/**
 * logits (rows × out) = x (rows × cols) · Wᵀ, W of ne [cols, out]. Four positions times two
 * output rows per pass: each loaded x feeds two weights and each weight four positions.
 */
export function headLogits(x: Float32Array, rows: number, cols: number, w: Float32Array, out: number): Float32Array {
  const y = new Float32Array(rows * out);
  const dot = (r: number, o: number) => {
    let s = 0;
    for (let i = 0; i < cols; i++) s += x[r * cols + i]! * w[o * cols + i]!;
    return s;
  };
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a = r * cols, b = a + cols, c = b + cols, d = c + cols;
    let o = 0;
    for (; o + 2 <= out; o += 2) {
      const wo = o * cols, wp = wo + cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let i = 0; i < cols; i++) {
        const wv = w[wo + i]!, wu = w[wp + i]!;
        const xa = x[a + i]!, xb = x[b + i]!, xc = x[c + i]!, xd = x[d + i]!;
        s0 += xa * wv; s1 += xb * wv; s2 += xc * wv; s3 += xd * wv;
        t0 += xa * wu; t1 += xb * wu; t2 += xc * wu; t3 += xd * wu;
      }
      y[r * out + o] = s0; y[(r + 1) * out + o] = s1; y[(r + 2) * out + o] = s2; y[(r + 3) * out + o] = s3;
      y[r * out + o + 1] = t0; y[(r + 1) * out + o + 1] = t1; y[(r + 2) * out + o + 1] = t2; y[(r + 3) * out + o + 1] = t3;
    }
    for (; o < out; o++) for (let k = 0; k < 4; k++) y[(r + k) * out + o] = dot(r + k, o);
  }
  for (; r < rows; r++) for (let o = 0; o < out; o++) y[r * out + o] = dot(r, o);
  return y;
}

/** The final norm and output head at the given rows of `hidden`: rows × vocab logits. */
export function logitsAt(hp: ForwardHparams, hidden: Float32Array, rows: readonly number[], norm: Float32Array, output: Float32Array): Float32Array {
  const picked = new Float32Array(rows.length * hp.embedding);
  rows.forEach((r, i) => picked.set(hidden.subarray(r * hp.embedding, (r + 1) * hp.embedding), i * hp.embedding));
  const x = rmsNormRows(picked, rows.length, hp.embedding, norm, hp.rmsEps);
  const logits = headLogits(x, rows.length, hp.embedding, output, hp.vocabSize);
  if (hp.finalSoftcap !== null) softcapInPlace(logits, hp.finalSoftcap);
  return logits;
}

/** In place: each row of logits becomes log-probabilities. */
export function toLogProbs(logits: Float32Array, vocab: number): Float32Array {
  for (let o = 0; o < logits.length; o += vocab) {
    let max = -Infinity;
    for (let i = o; i < o + vocab; i++) if (logits[i]! > max) max = logits[i]!;
    let sum = 0;
    for (let i = o; i < o + vocab; i++) sum += Math.exp(logits[i]! - max);
    const norm = max + Math.log(sum);
    for (let i = o; i < o + vocab; i++) logits[i] = logits[i]! - norm;
  }
  return logits;
}

/** Mean over rows of KL(base ‖ quant), both given as log-probabilities (rows × vocab). */
export function meanKld(baseLogProbs: Float32Array, quantLogProbs: Float32Array, vocab: number): number {
  const rows = baseLogProbs.length / vocab;
  let total = 0;
  for (let i = 0; i < baseLogProbs.length; i++) {
    const lp = baseLogProbs[i]!;
    total += Math.exp(lp) * (lp - quantLogProbs[i]!);
  }
  return rows ? Math.max(0, total / rows) : 0;
}
