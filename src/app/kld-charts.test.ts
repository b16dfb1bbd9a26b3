import { describe, expect, it } from 'vitest';
import { KLD_FLOOR, kldHistogram, topAgreementSeries } from './kld-charts.ts';

describe('kldHistogram', () => {
  it('counts every value once over log-spaced bins spanning the values', () => {
    const values = [1e-4, 1e-3, 1e-3, 1e-2, 0.1, 1];
    const bins = kldHistogram(values, 4);
    expect(bins).toHaveLength(4);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(values.length);
    expect(bins[0]!.from).toBeCloseTo(1e-4, 12);
    expect(bins[3]!.to).toBeCloseTo(1, 10);
    // Each bin is one decade here: 1e-3 twice in the second, the maximum in the last.
    expect(bins.map((b) => b.count)).toEqual([1, 2, 1, 2]);
    expect(bins[1]!.share).toBeCloseTo(2 / 6, 12);
    expect(bins[1]!.center).toBeCloseTo(Math.sqrt(1e-3 * 1e-2), 12);
  });

  it('puts zero and negative KLDs (rounding of the stored base) in the first bin', () => {
    const bins = kldHistogram([0, -1e-9, 1e-3, 1e-2], 4);
    expect(bins[0]!.count).toBe(3);
    expect(bins[0]!.from).toBeCloseTo(1e-3, 12);
    expect(kldHistogram([KLD_FLOOR / 10, KLD_FLOOR / 10], 3).reduce((n, b) => n + b.count, 0)).toBe(2);
    expect(kldHistogram([])).toEqual([]);
  });
});

describe('topAgreementSeries', () => {
  it('gives percent per position and a centred moving average', () => {
    const points = topAgreementSeries([1, 0, 1, 1, 0.5], 32, 3);
    expect(points.map((p) => p.position)).toEqual([32, 33, 34, 35, 36]);
    expect(points.map((p) => p.agreement)).toEqual([100, 0, 100, 100, 50]);
    expect(points[0]!.smoothed).toBeCloseTo(50, 12);
    expect(points[2]!.smoothed).toBeCloseTo(200 / 3, 12);
    expect(points[4]!.smoothed).toBeCloseTo(75, 12);
  });
});
