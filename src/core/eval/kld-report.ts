// The final statistics llama-perplexity --kl-divergence prints, from a KldAccumulator, with
// perplexity.cpp's definitions (uncertainty sqrt(var/(N-1)) when N > 10, percentiles by linear
// interpolation at f*(N-1) in float, median averaging the middle pair).
import type { KldAccumulator } from './kld-accumulator.ts';

export interface ValueWithError { value: number; error: number }

export interface KldReport {
  positions: number;
  pplQuant: ValueWithError;
  pplBase: ValueWithError;
  /** Correlation of ln PPL(Q) and ln PPL(base), 0..1. */
  lnPplCorrelation: number;
  lnPplRatio: ValueWithError;
  pplRatio: ValueWithError;
  pplDiff: ValueWithError;
  kld: { mean: ValueWithError; max: number; p99_9: number; p99: number; p95: number; p90: number; median: number; p10: number; p5: number; p1: number; p0_1: number; min: number };
  /** Δp of the actual next token (probabilities, not %). */
  deltaP: { mean: ValueWithError; max: number; p99_9: number; p99: number; p95: number; p90: number; p75: number; median: number; p25: number; p10: number; p5: number; p1: number; p0_1: number; min: number };
  rmsDeltaP: ValueWithError;
  /** Fraction of positions whose top token is the same (0..1). */
  sameTop: ValueWithError;
}

function meanAndError(sum: number, sum2: number, n: number): ValueWithError {
  if (n < 1) return { value: 0, error: 0 };
  const f = sum / n;
  const df = sum2 / n - f * f;
  return { value: f, error: df > 0 && n > 10 ? Math.sqrt(df / (n - 1)) : 0 };
}

function covariance(a: number, b: number, ab: number, n: number): number {
  return n < 10 ? 0 : (ab / n - (a / n) * (b / n)) / (n - 1);
}

/** perplexity.cpp's percentile of sorted values (linear interpolation at f*(N-1), in float). */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  const f = Math.fround(fraction);
  if (f <= 0) return sorted[0]!;
  if (f >= 1) return sorted[sorted.length - 1]!;
  let p = Math.fround(f * (sorted.length - 1));
  const ip = Math.floor(p);
  p = Math.fround(p - ip);
  return Math.fround(Math.fround((1 - p) * sorted[ip]!) + Math.fround(p * sorted[Math.min(ip + 1, sorted.length - 1)]!));
}

function median(sorted: number[]): number {
  const n = sorted.length;
  return n % 2 === 0 ? Math.fround(0.5 * (sorted[n / 2]! + sorted[n / 2 - 1]!)) : sorted[(n - 1) / 2]!;
}

export function kldReport(acc: KldAccumulator): KldReport {
  const n = acc.count;
  if (n === 0) throw new Error('KLD: no scored positions');
  const logPpl = meanAndError(acc.sumNll, acc.sumNll2, n);
  const logPplBase = meanAndError(acc.sumNllBase, acc.sumNllBase2, n);
  const cov = covariance(acc.sumNll, acc.sumNllBase, acc.sumNllNllBase, n);
  const ppl = Math.exp(logPpl.value);
  const pplBase = Math.exp(logPplBase.value);
  const ratioLn = logPpl.value - logPplBase.value;
  const ratioLnErr = Math.sqrt(logPpl.error ** 2 + logPplBase.error ** 2 - 2 * cov);
  const kld = [...acc.kldValues].sort((a, b) => a - b);
  const dp = [...acc.pDiffValues].sort((a, b) => a - b);
  const mse = meanAndError(acc.sumPDiff2, acc.sumPDiff4, n);
  const rms = Math.sqrt(mse.value);
  const top = acc.sameTop / n;
  return {
    positions: n,
    pplQuant: { value: ppl, error: ppl * logPpl.error },
    pplBase: { value: pplBase, error: pplBase * logPplBase.error },
    lnPplCorrelation: cov / (logPpl.error * logPplBase.error),
    lnPplRatio: { value: ratioLn, error: ratioLnErr },
    pplRatio: { value: Math.exp(ratioLn), error: Math.exp(ratioLn) * ratioLnErr },
    pplDiff: { value: ppl - pplBase, error: Math.sqrt((ppl * logPpl.error) ** 2 + (pplBase * logPplBase.error) ** 2 - 2 * ppl * pplBase * cov) },
    kld: {
      mean: meanAndError(acc.sumKld, acc.sumKld2, n),
      max: kld[kld.length - 1]!, p99_9: percentile(kld, 0.999), p99: percentile(kld, 0.99), p95: percentile(kld, 0.95), p90: percentile(kld, 0.9),
      median: median(kld), p10: percentile(kld, 0.1), p5: percentile(kld, 0.05), p1: percentile(kld, 0.01), p0_1: percentile(kld, 0.001), min: kld[0]!,
    },
    deltaP: {
      mean: meanAndError(acc.sumPDiff, acc.sumPDiff2, n),
      max: dp[dp.length - 1]!, p99_9: percentile(dp, 0.999), p99: percentile(dp, 0.99), p95: percentile(dp, 0.95), p90: percentile(dp, 0.9), p75: percentile(dp, 0.75),
      median: median(dp), p25: percentile(dp, 0.25), p10: percentile(dp, 0.1), p5: percentile(dp, 0.05), p1: percentile(dp, 0.01), p0_1: percentile(dp, 0.001), min: dp[0]!,
    },
    rmsDeltaP: { value: rms, error: (0.5 / rms) * mse.error },
    sameTop: { value: top, error: Math.sqrt((top * (1 - top)) / (n - 1)) },
  };
}
