// The streaming sha256 check over out-of-order reads: bounded buffering, re-reads only of what
// was dropped or never read, and a mismatch that names the file and both hashes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleSha256 } from '../../src/io/hub/sha256.ts';
import { ContiguousHashVerifier, Sha256MismatchError } from '../../src/io/hub/sha256-verifier.ts';

const FILE = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 131 + (i >> 7)) & 255);
const SHA = createHash('sha256').update(FILE).digest('hex');
const slice = (offset: number, length: number) => FILE.slice(offset, offset + length);

function verifier(bufferLimit: number, expected = SHA) {
  return new ContiguousHashVerifier('model.safetensors', FILE.length, expected, nobleSha256(), bufferLimit);
}

describe('ContiguousHashVerifier', () => {
  it('verifies in-order reads as they arrive, with nothing held', () => {
    const v = verifier(0);
    for (let o = 0; o < FILE.length; o += 1000) v.accept(o, slice(o, 1000));
    expect(v.verified).toBe(true);
    expect(v.peakHeldBytes).toBe(0);
  });

  it('verifies out-of-order and overlapping reads within the buffer without re-reading', async () => {
    const v = verifier(10_000);
    const order = [[8000, 2000], [0, 8], [8, 992], [5000, 3000], [1000, 4000], [0, 500]] as const;
    for (const [o, n] of order) v.accept(o, slice(o, n));
    expect(v.verified).toBe(true);
    expect(v.refetchedBytes).toBe(0);
    expect(v.peakHeldBytes).toBe(5000);
  });

  it('drops the range farthest ahead when the buffer is full and re-reads only that', async () => {
    const v = verifier(3000);
    v.accept(7000, slice(7000, 3000)); // held
    v.accept(2000, slice(2000, 2000)); // evicts 7000.. (farther ahead)
    v.accept(0, slice(0, 2000)); // frontier -> 4000
    v.accept(4000, slice(4000, 3000)); // frontier -> 7000
    expect(v.verified).toBe(false);
    const reads: [number, number][] = [];
    await v.finish(async (o, n) => (reads.push([o, n]), slice(o, n)), 1024);
    expect(v.verified).toBe(true);
    expect(reads).toEqual([[7000, 1024], [8024, 1024], [9048, 952]]);
    expect(v.refetchedBytes).toBe(3000);
    expect(v.peakHeldBytes).toBeLessThanOrEqual(3000);
  });

  it('re-reads the gaps nobody read (e.g. ignored tensors) and keeps held ranges', async () => {
    const v = verifier(10_000);
    v.accept(0, slice(0, 100));
    v.accept(5000, slice(5000, 5000));
    const reads: [number, number][] = [];
    await v.finish(async (o, n) => (reads.push([o, n]), slice(o, n)));
    expect(reads).toEqual([[100, 4900]]);
    expect(v.verified).toBe(true);
  });

  it('a mismatch names the file, the expected and the actual hash; it is thrown by the read that completes the file', () => {
    const wrong = '0'.repeat(64);
    const v = verifier(10_000, wrong);
    v.accept(5000, slice(5000, 5000));
    let error: unknown;
    try {
      v.accept(0, slice(0, 5000));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Sha256MismatchError);
    expect((error as Error).message).toContain(`model.safetensors: sha256 mismatch: expected ${wrong}`);
    expect((error as Error).message).toContain(`got ${SHA}`);
    expect(() => v.accept(0, slice(0, 1))).toThrow(Sha256MismatchError); // stays failed
  });

  it('detects one corrupted byte', async () => {
    const v = verifier(0);
    const corrupt = FILE.slice();
    corrupt[4321]! ^= 1;
    await expect(v.finish(async (o, n) => corrupt.slice(o, o + n))).rejects.toThrow(/sha256 mismatch/);
  });
});
