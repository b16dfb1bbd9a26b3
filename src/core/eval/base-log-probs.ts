// The base model's distribution at one scored position, stored as llama-perplexity's
// --kl-divergence-base file stores it: f32 scale, f32 min_log_prob, then one u16 per token,
// log p_i = scale*q_i + min_log_prob, log-probs below max-16 clipped. We keep this lossy form
// on purpose: KLD computed against it is llama-perplexity's KLD, not the exact one.
import { nearestInt } from '../quant/nearest-int.ts';

const fround = Math.fround;

/** u16 slots per position: 2*((n_vocab+1)/2) + 4, the first 4 holding the two floats. */
export const baseSlots = (vocab: number): number => 2 * Math.floor((vocab + 1) / 2) + 4;

/** float max, and Σ expf(l - max) in double, as perplexity.cpp computes them. */
export function logSumExp(logits: Float32Array): { max: number; argmax: number; logSum: number } {
  let max = logits[0]!;
  let argmax = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > max) { max = logits[i]!; argmax = i; }
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += fround(Math.exp(fround(logits[i]! - max)));
  return { max, argmax, logSum: fround(Math.log(sum)) };
}

/** Writes one position into `out` (baseSlots(vocab) u16s); returns the base NLL of `token`. */
export function encodeBaseLogProbs(logits: Float32Array, token: number, out: Uint16Array): number {
  let maxLogit = logits[0]!;
  let minLogit = logits[0]!;
  for (let i = 1; i < logits.length; i++) {
    maxLogit = Math.max(maxLogit, logits[i]!);
    minLogit = Math.min(minLogit, logits[i]!);
  }
  minLogit = Math.max(minLogit, fround(maxLogit - 16));
  const { logSum } = logSumExp(logits);
  const minLogProb = fround(fround(minLogit - maxLogit) - logSum);
  const scale = fround(fround(maxLogit - minLogit) / 65535);
  const head = new Float32Array(out.buffer, out.byteOffset, 2);
  head[0] = scale;
  head[1] = minLogProb;
  const q = out.subarray(4);
  if (scale) {
    const inv = fround(1 / scale);
    for (let i = 0; i < logits.length; i++) q[i] = logits[i]! > minLogit ? nearestInt(fround(inv * fround(logits[i]! - minLogit))) : 0;
  } else {
    q.fill(0, 0, logits.length);
  }
  return maxLogit + logSum - logits[token]!;
}
