import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate } from './format.ts';

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
