// perplexity.cpp's kl_divergence_result: running sums over scored positions of the quantized
// model against the stored base log-probs, with the same float/double mix.
import { logSumExp } from './base-log-probs.ts';

const fround = Math.fround;

export class KldAccumulator {
  sumNll = 0; sumNll2 = 0; sumNllBase = 0; sumNllBase2 = 0; sumNllNllBase = 0;
  sumKld = 0; sumKld2 = 0; sumPDiff = 0; sumPDiff2 = 0; sumPDiff4 = 0;
  maxPDiff = 0; sameTop = 0; count = 0;
  readonly kldValues: number[] = [];
  readonly pDiffValues: number[] = [];

  /** One position: quantized logits, the base's stored row (baseSlots u16s), the actual next token. */
  add(logits: Float32Array, base: Uint16Array, token: number): void {
    const { max, argmax, logSum } = logSumExp(logits);
    const head = new Float32Array(base.buffer, base.byteOffset, 2);
    const scale = head[0]!;
    const minLogProb = head[1]!;
    const q = base.subarray(4);
    const nll = fround(fround(max + logSum) - logits[token]!);
    const nllBase = fround(-fround(fround(scale * q[token]!) + minLogProb));
    this.sumNll += nll; this.sumNll2 += fround(nll * nll);
    this.sumNllBase += nllBase; this.sumNllBase2 += fround(nllBase * nllBase);
    this.sumNllNllBase += fround(nll * nllBase);
    const logNorm = fround(max + logSum);
    let kld = 0;
    let argmaxBase = -1;
    let maxBase = 0;
    for (let i = 0; i < logits.length; i++) {
      const lb = fround(fround(scale * q[i]!) + minLogProb);
      if (i === 0 || lb > maxBase) { maxBase = lb; argmaxBase = i; }
      if (lb > -16) kld += fround(fround(Math.exp(lb)) * fround(fround(lb - logits[i]!) + logNorm));
    }
    this.sumKld += kld; this.sumKld2 += kld * kld;
    this.count++;
    if (argmax === argmaxBase) this.sameTop++;
    const pDiff = fround(fround(Math.exp(-nll)) - fround(Math.exp(-nllBase)));
    this.sumPDiff += pDiff;
    const p2 = fround(pDiff * pDiff);
    this.sumPDiff2 += p2; this.sumPDiff4 += p2 * p2;
    this.maxPDiff = Math.max(this.maxPDiff, Math.abs(pDiff));
    this.kldValues.push(fround(kld));
    this.pDiffValues.push(pDiff);
  }
}
