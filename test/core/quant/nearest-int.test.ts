import { describe, expect, it } from 'vitest';
import { nearestInt } from '../../../src/core/quant/nearest-int.ts';

describe('ggml rounding helpers', () => {
  it('nearestInt rounds half to even, like the 12582912.f trick', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999998, 7.5].map(nearestInt)).toEqual([0, 2, 2, 0, -2, -2, 2, 8]);
    expect(nearestInt(NaN)).toBe(0);
  });

  it('nearestInt rounds the float sum: values that land exactly on .5 after the add', () => {
    // 0.50000006 (next float above 0.5) + 12582912 rounds to 12582912 in float32 (the ulp there is 1).
    expect(nearestInt(Math.fround(0.50000006))).toBe(1);
    expect(nearestInt(Math.fround(1000000.5))).toBe(1000000);
  });
});
