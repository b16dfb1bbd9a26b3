import { describe, expect, it } from 'vitest';
import { withDownloadEvent } from './download-progress.ts';
import { initialDownload } from './store.ts';

const file = (name: string, bytes: number, size: number) => ({ file: name, bytes, size, bytesPerSecond: 1000, etaSeconds: (size - bytes) / 1000 });

describe('withDownloadEvent', () => {
  it('keeps the latest progress of every file and the overall figures', () => {
    let d = withDownloadEvent(initialDownload, { kind: 'network', progress: { file: file('a', 10, 100), bytes: 10, totalBytes: 300, bytesPerSecond: 1000, etaSeconds: 0.29 } });
    d = withDownloadEvent(d, { kind: 'network', progress: { file: file('b', 50, 200), bytes: 60, totalBytes: 300, bytesPerSecond: 1200, etaSeconds: 0.2 } });
    d = withDownloadEvent(d, { kind: 'network', progress: { file: file('a', 100, 100), bytes: 150, totalBytes: 300, bytesPerSecond: 1500, etaSeconds: 0.1 } });
    expect(Object.keys(d.files).sort()).toEqual(['a', 'b']);
    expect(d.files.a!.bytes).toBe(100);
    expect(d.overall).toEqual({ bytes: 150, totalBytes: 300, bytesPerSecond: 1500, etaSeconds: 0.1 });
  });

  it('adds up cache reads and says why a file is retried', () => {
    let d = withDownloadEvent(initialDownload, { kind: 'cache', file: 'm', bytes: 64 });
    d = withDownloadEvent(d, { kind: 'cache', file: 'm', bytes: 36 });
    d = withDownloadEvent(d, { kind: 'retry', file: 'm', attempt: 1, delayMs: 1000, reason: 'HTTP 429' });
    expect(d.cacheBytes).toBe(100);
    expect(d.notice).toBe('m: retrying in 1.0 s (HTTP 429)');
    expect(d.overall).toBeNull();
  });
});
