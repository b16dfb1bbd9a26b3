// The evaluation's chart data: the KL-divergence distribution as a histogram over log-spaced
// bins, and top-token agreement by position (raw and smoothed).

export interface KldBin {
  /** Bin edges (KLD, nats) and its geometric centre, where the chart plots it. */
  from: number;
  to: number;
  center: number;
  count: number;
  /** Share of all positions, 0..1. */
  share: number;
}

/** KLDs at or below this are drawn in the first bin: a log axis has no zero. */
export const KLD_FLOOR = 1e-6;

export function kldHistogram(values: ArrayLike<number>, binCount = 32): KldBin[] {
  const n = values.length;
  if (n === 0) return [];
  let max = KLD_FLOOR;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v > max) max = v;
    if (v > KLD_FLOOR && v < min) min = v;
  }
  if (!Number.isFinite(min)) min = KLD_FLOOR;
  const lo = Math.log10(Math.max(KLD_FLOOR, min));
  // A range of zero (all values equal) still needs one bin of some width.
  const hi = Math.max(Math.log10(max), lo + 1e-3);
  const width = (hi - lo) / binCount;
  const counts = new Array<number>(binCount).fill(0);
  for (let i = 0; i < n; i++) {
    const v = Math.max(values[i]!, KLD_FLOOR);
    const bin = Math.min(binCount - 1, Math.max(0, Math.floor((Math.log10(v) - lo) / width)));
    counts[bin]!++;
  }
  return counts.map((count, i) => {
    const from = 10 ** (lo + i * width);
    const to = 10 ** (lo + (i + 1) * width);
    return { from, to, center: Math.sqrt(from * to), count, share: count / n };
  });
}

export interface AgreementPoint {
  position: number;
  /** Percent of chunks whose top token agrees at this position. */
  agreement: number;
  /** The same, averaged over a window centred on the position. */
  smoothed: number;
}

export function topAgreementSeries(sameTop: ArrayLike<number>, firstPosition: number, window = 9): AgreementPoint[] {
  const n = sameTop.length;
  const half = Math.floor(window / 2);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sameTop[i]!;
  const points: AgreementPoint[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(n, i + half + 1);
    points.push({ position: firstPosition + i, agreement: 100 * sameTop[i]!, smoothed: (100 * (prefix[b]! - prefix[a]!)) / (b - a) });
  }
  return points;
}
