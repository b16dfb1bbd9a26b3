import { describe, expect, it } from 'vitest';
import { formatDuration, formatKl, formatRate } from './format.ts';

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(7380)).toBe('2 h 03 min');
  });

  it('says unknown without a rate', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Infinity)).toBe('—');
  });
});

describe('formatRate', () => {
  it('is bytes per second in binary units', () => {
    expect(formatRate(3 * 1024 * 1024)).toBe('3.00 MiB/s');
  });
});

describe('formatKl', () => {
  it('writes decimals down to 0.01 and powers of ten below, as on a log axis', () => {
    expect(formatKl(0.1)).toBe('0.1');
    expect(formatKl(0.0152)).toBe('0.0152');
    expect(formatKl(1)).toBe('1');
    expect(formatKl(1e-3)).toBe('1e-3');
    expect(formatKl(0.00153)).toBe('1.53e-3');
    expect(formatKl(9.9996e-4)).toBe('1e-3');
    expect(formatKl(0)).toBe('0');
  });
});
