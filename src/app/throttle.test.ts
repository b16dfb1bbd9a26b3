import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle.ts';

describe('throttle', () => {
  afterEach(() => vi.restoreAllMocks());

  it('passes the first update, drops those within the interval, and always passes the ones that must show', () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const seen: number[] = [];
    const update = throttle((p: number) => seen.push(p), 100, (p) => p === 99);
    update(1);
    now += 50; update(2);
    now += 10; update(99);
    now += 10; update(3);
    now += 100; update(4);
    expect(seen).toEqual([1, 99, 4]);
  });
});
