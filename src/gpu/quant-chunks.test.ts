import { describe, expect, it } from 'vitest';
import { dispatchGrid } from './dispatch-grid.ts';
import { planRowChunks, rowsPerChunk } from './quant-chunks.ts';

const GIB = 1024 ** 3;
const big = { maxStorageBufferBindingSize: GIB, maxBufferSize: GIB };

describe('planRowChunks', () => {
  it('covers every row once, in order, for a 151936x1024 embedding', () => {
    const chunks = planRowChunks(151936, 1024, big);
    expect(chunks[0]).toEqual({ firstRow: 0, rows: 4096 });
    let next = 0;
    for (const c of chunks) {
      expect(c.firstRow).toBe(next);
      expect(c.rows * 1024).toBeLessThanOrEqual(1 << 22);
      next += c.rows;
    }
    expect(next).toBe(151936);
  });

  it('respects a small binding limit and keeps at least one row', () => {
    expect(rowsPerChunk(4096, { maxStorageBufferBindingSize: 128 * 1024 * 1024, maxBufferSize: 256 * 1024 * 1024, maxChunkElements: 1 << 30 })).toBe(8192);
    expect(rowsPerChunk(1 << 23, big)).toBe(1);
  });

  it('names the limit when one row cannot fit', () => {
    expect(() => rowsPerChunk(1 << 20, { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 })).toThrow(/exceeds the device buffer limit/);
  });
});

describe('dispatchGrid', () => {
  it('stays one-dimensional up to 65535 workgroups, then adds rows', () => {
    expect(dispatchGrid(64 * 65535, 64)).toEqual([65535, 1]);
    expect(dispatchGrid(64 * 65535 + 1, 64)).toEqual([65535, 2]);
    expect(dispatchGrid(0, 64)).toEqual([1, 1]);
  });
});
