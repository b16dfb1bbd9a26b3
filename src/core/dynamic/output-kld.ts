// The output head and the KL divergence of a perturbed model against the base, at the scored
// positions. This is the hot loop of the sensitivity pass (vocab × hidden per position).
import type { ForwardHparams } from '../forward/forward-types.ts';
import { finishLogits, matmul, rmsNormRows } from '../forward/ops.ts';

/** The final norm and output head at the given rows of `hidden`: rows × vocab logits (float sums, as the replay's layers). */
export function logitsAt(hp: ForwardHparams, hidden: Float32Array, rows: readonly number[], norm: Float32Array, output: Float32Array): Float32Array {
  const picked = new Float32Array(rows.length * hp.embedding);
  rows.forEach((r, i) => picked.set(hidden.subarray(r * hp.embedding, (r + 1) * hp.embedding), i * hp.embedding));
  const x = rmsNormRows(picked, rows.length, hp.embedding, norm, hp.rmsEps);
  const logits = matmul(x, rows.length, hp.embedding, output, hp.vocabSize, undefined, 'float');
  finishLogits(logits, hp);
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

/** KL(base ‖ quant) of each row (rows × vocab log-probabilities): the distribution whose tail the tail-aware objective reads. */
export function rowKlds(baseLogProbs: Float32Array, quantLogProbs: Float32Array, vocab: number): Float64Array {
  const rows = baseLogProbs.length / vocab;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let i = r * vocab; i < (r + 1) * vocab; i++) {
      const lp = baseLogProbs[i]!;
      total += Math.exp(lp) * (lp - quantLogProbs[i]!);
    }
    out[r] = Math.max(0, total);
  }
  return out;
}
