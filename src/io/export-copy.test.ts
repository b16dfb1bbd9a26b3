import { describe, expect, it } from 'vitest';
import type { ByteSink } from '../core/bytes-io.ts';
import { memoryCopyTarget, teeExportCopy } from './export-copy.ts';

function recordingSink(): ByteSink & { chunks: number[][]; closed: boolean; aborted: boolean } {
  const s = {
    chunks: [] as number[][], closed: false, aborted: false,
    async write(c: Uint8Array) { s.chunks.push([...c]); },
    async close() { s.closed = true; },
    async abort() { s.aborted = true; },
  };
  return s;
}

describe('teeExportCopy', () => {
  it('keeps a copy of a finished export', async () => {
    const primary = recordingSink();
    const copy = teeExportCopy(primary, 'm-Q4_0.gguf', memoryCopyTarget(1024));
    const buffer = new Uint8Array([1, 2, 3]);
    await copy.sink.write(buffer);
    buffer[0] = 9; // the exporter reuses its buffers
    await copy.sink.write(new Uint8Array([4]));
    await copy.sink.close();
    expect(primary.chunks).toEqual([[1, 2, 3], [4]]);
    const kept = await copy.finish();
    expect(kept!.name).toBe('m-Q4_0.gguf');
    expect([...new Uint8Array(await kept!.blob.arrayBuffer())]).toEqual([1, 2, 3, 4]);
    expect(copy.problem).toBeNull();
  });

  it('lets the export finish when the copy cannot keep up, and says why', async () => {
    const primary = recordingSink();
    const copy = teeExportCopy(primary, 'big.gguf', memoryCopyTarget(4));
    await copy.sink.write(new Uint8Array(3));
    await copy.sink.write(new Uint8Array(3));
    await copy.sink.close();
    expect(primary.closed).toBe(true);
    expect(await copy.finish()).toBeNull();
    expect(copy.problem).toMatch(/over 0 MiB|no OPFS/);
  });

  it('keeps nothing of an aborted export and aborts the user\'s sink', async () => {
    const primary = recordingSink();
    const copy = teeExportCopy(primary, 'x.gguf', memoryCopyTarget(1024));
    await copy.sink.write(new Uint8Array(2));
    await copy.sink.abort(new Error('cancelled'));
    expect(primary.aborted).toBe(true);
    expect(await copy.finish()).toBeNull();
    expect(copy.problem).toMatch(/did not finish/);
  });
});
