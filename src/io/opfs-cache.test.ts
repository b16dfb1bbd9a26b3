// The OPFS cache itself needs a browser (e2e/studio-hub.more.test.mjs); its range bookkeeping,
// which decides what is downloaded again before a file is verified, is tested here.
import { describe, expect, it } from 'vitest';
import { ByteRanges } from './opfs-cache.ts';

describe('ByteRanges', () => {
  it('reports the gaps left by out-of-order reads', () => {
    const r = new ByteRanges();
    r.add(100, 200);
    r.add(0, 10);
    r.add(300, 400);
    expect(r.gaps(500)).toEqual([[10, 100], [200, 300], [400, 500]]);
  });

  it('merges touching and overlapping ranges, so a fully read file has no gaps', () => {
    const r = new ByteRanges();
    r.add(50, 100);
    r.add(0, 50);
    r.add(90, 120);
    r.add(120, 128);
    expect(r.gaps(128)).toEqual([]);
  });

  it('ignores empty ranges and gives the whole file when nothing was read', () => {
    const r = new ByteRanges();
    r.add(5, 5);
    expect(r.gaps(16)).toEqual([[0, 16]]);
  });
});
