import { describe, expect, it } from 'vitest';
import { CancelledError, isCancellation } from './cancellation.ts';

describe('isCancellation', () => {
  it('knows a CancelledError, a DOMException AbortError and either rebuilt after crossing a worker', () => {
    expect(isCancellation(new CancelledError('stop'))).toBe(true);
    expect(isCancellation(new DOMException('stop', 'AbortError'))).toBe(true);
    expect(isCancellation(Object.assign(new Error('stop'), { name: 'AbortError' }))).toBe(true);
    const signal = AbortSignal.abort();
    expect(isCancellation(signal.reason)).toBe(true);
  });

  it('is false for failures and for things that are not errors', () => {
    expect(isCancellation(new Error('boom'))).toBe(false);
    expect(isCancellation(new DOMException('gone', 'NotFoundError'))).toBe(false);
    expect(isCancellation('AbortError')).toBe(false);
    expect(isCancellation(null)).toBe(false);
  });

  it('a CancelledError is still an Error with its message', () => {
    const e = new CancelledError('The export was cancelled');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('The export was cancelled');
  });
});
