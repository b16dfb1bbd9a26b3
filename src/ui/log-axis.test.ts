import { describe, expect, it } from 'vitest';
import { logTicks } from './log-axis.ts';

describe('logTicks', () => {
  it('gives the powers of ten where the range spans three or more', () => {
    expect(logTicks(3e-4, 0.2)).toEqual([1e-3, 1e-2, 1e-1]);
  });

  it('adds 2× and 5× steps in a narrow range', () => {
    expect(logTicks(4e-3, 0.12)).toEqual([5e-3, 1e-2, 2e-2, 5e-2, 1e-1]);
  });

  it('falls back to the ends when no step falls inside', () => {
    expect(logTicks(0.0031, 0.0042)).toEqual([0.0031, 0.0042]);
  });
});
