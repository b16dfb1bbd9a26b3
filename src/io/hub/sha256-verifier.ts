// Checks a file against its LFS sha256 while the export reads it, without downloading it twice.
//
// SHA-256 only consumes bytes in file order, but the export reads tensors in GGUF order, which is
// not file order (llama-quantize sorts by layer number; safetensors files are sorted by name, so
// "layers.10" comes before "layers.2"). The verifier hashes the contiguous prefix of the file
// (the "frontier") and keeps ranges that arrive ahead of it, up to `bufferLimit` bytes, until the
// frontier reaches them. When the buffer would overflow, the range farthest ahead is dropped (it
// will be needed last); `finish` later re-reads what was dropped and what nobody read (ignored
// tensors, padding) straight through the hash, chunk by chunk, so memory stays bounded either way.
// Only those dropped or unread bytes are ever downloaded twice; `refetchedBytes` counts them.

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  digestHex(): string;
}

export type HashFactory = () => IncrementalHash;

interface HeldRange {
  offset: number;
  bytes: Uint8Array;
}

export class Sha256MismatchError extends Error {
  constructor(readonly file: string, readonly expected: string, readonly actual: string) {
    super(`${file}: sha256 mismatch: expected ${expected} (from the Hub's file listing), got ${actual}; the download is corrupt or the file changed on the server`);
    this.name = 'Sha256MismatchError';
  }
}

export class ContiguousHashVerifier {
  private frontier = 0;
  private held: HeldRange[] = []; // sorted by offset
  private heldBytes = 0;
  private outcome: 'pending' | 'verified' | Error = 'pending';
  /** Bytes read a second time, only to hash them (dropped from the buffer, or never read). */
  refetchedBytes = 0;
  /** The most bytes held at once. */
  peakHeldBytes = 0;

  constructor(
    readonly file: string,
    readonly size: number,
    readonly expectedSha256: string,
    private readonly hash: IncrementalHash,
    readonly bufferLimit: number,
  ) {
    if (size === 0) this.complete();
  }

  get hashedBytes(): number {
    return this.frontier;
  }

  get verified(): boolean {
    return this.outcome === 'verified';
  }

  /** True once any byte has been seen: such a file must be verified before its data is trusted. */
  get touched(): boolean {
    return this.frontier > 0 || this.held.length > 0 || this.refetchedBytes > 0 || this.outcome !== 'pending';
  }

  /** Bytes [offset, offset + bytes.length) of the file, as read. Throws on a mismatch, once the file is complete. */
  accept(offset: number, bytes: Uint8Array): void {
    this.throwIfFailed();
    if (this.outcome === 'verified') return;
    const end = offset + bytes.length;
    if (end <= this.frontier || bytes.length === 0) return;
    if (offset > this.frontier) {
      this.hold(offset, bytes);
      return;
    }
    this.hashTail(offset, bytes);
    this.drain();
    if (this.frontier === this.size) this.complete();
  }

  /** Reads (through `read`, in chunks of at most `chunkBytes`) whatever is not hashed yet, then verifies. */
  async finish(read: (offset: number, length: number) => Promise<Uint8Array>, chunkBytes = 8 << 20): Promise<void> {
    this.throwIfFailed();
    while (this.outcome === 'pending') {
      const gapEnd = Math.min(this.held[0]?.offset ?? this.size, this.frontier + chunkBytes, this.size);
      const offset = this.frontier;
      const bytes = await read(offset, gapEnd - offset);
      this.refetchedBytes += bytes.length;
      this.accept(offset, bytes);
    }
    this.throwIfFailed();
  }

  private hashTail(offset: number, bytes: Uint8Array): void {
    const tail = bytes.subarray(this.frontier - offset);
    this.hash.update(tail);
    this.frontier += tail.length;
  }

  private drain(): void {
    while (this.held.length > 0 && this.held[0]!.offset <= this.frontier) {
      const next = this.held.shift()!;
      this.heldBytes -= next.bytes.length;
      if (next.offset + next.bytes.length > this.frontier) this.hashTail(next.offset, next.bytes);
    }
  }

  private hold(offset: number, bytes: Uint8Array): void {
    // Make room by dropping the ranges farthest ahead, but never for a range farther still.
    while (this.heldBytes + bytes.length > this.bufferLimit) {
      const farthest = this.held.at(-1);
      if (!farthest || farthest.offset <= offset) return; // drop the new range; finish() re-reads it
      this.held.pop();
      this.heldBytes -= farthest.bytes.length;
    }
    let i = this.held.length;
    while (i > 0 && this.held[i - 1]!.offset > offset) i--;
    this.held.splice(i, 0, { offset, bytes });
    this.heldBytes += bytes.length;
    this.peakHeldBytes = Math.max(this.peakHeldBytes, this.heldBytes);
  }

  private complete(): void {
    const actual = this.hash.digestHex().toLowerCase();
    this.held = [];
    this.heldBytes = 0;
    this.outcome = actual === this.expectedSha256.toLowerCase() ? 'verified' : new Sha256MismatchError(this.file, this.expectedSha256, actual);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.outcome instanceof Error) throw this.outcome;
  }
}
