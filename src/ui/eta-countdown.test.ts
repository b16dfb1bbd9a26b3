import { describe, expect, it } from 'vitest';
import { etaNow } from './eta-countdown.ts';

describe('etaNow', () => {
  it('counts the estimate down by the time since it was made', () => {
    expect(etaNow(30, 1000, 1000)).toEqual({ seconds: 30, overBy: 0 });
    expect(etaNow(30, 1000, 11_000)).toEqual({ seconds: 20, overBy: 0 });
  });
  it('says how far past the estimate a job is instead of standing at zero', () => {
    expect(etaNow(5, 0, 12_000)).toEqual({ seconds: 0, overBy: 7 });
  });
  it('has no reading without an estimate', () => {
    expect(etaNow(null, 0, 5000)).toEqual({ seconds: null, overBy: 0 });
    expect(etaNow(Number.POSITIVE_INFINITY, 0, 5000)).toEqual({ seconds: null, overBy: 0 });
  });
});
