// A ByteSource over one file of a Hub repo, pinned to a commit: each read is split into chunks
// fetched by Range request under the model's semaphore; LFS files pass their bytes to a sha256
// verifier on the way out.
import type { ByteSource } from '../../core/bytes-io.ts';
import { readRangeWithResume, type RangedReadTarget } from './ranged-read.ts';
import type { Semaphore } from './semaphore.ts';
import type { ContiguousHashVerifier } from './sha256-verifier.ts';

export interface HubFileContext {
  semaphore: Semaphore;
  chunkBytes: number;
  /** Aborted when the model is closed or the caller cancels. */
  signal: AbortSignal;
}

export class HubFileSource implements ByteSource {
  readonly size: number;

  constructor(
    readonly name: string,
    private readonly target: RangedReadTarget,
    private readonly context: HubFileContext,
    readonly verifier: ContiguousHashVerifier | null,
  ) {
    this.size = target.fileSize;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await this.readUnverified(offset, length);
    this.verifier?.accept(offset, bytes);
    return bytes;
  }

  /** Checks the whole file against its sha256, reading only what was never read or was dropped. */
  async verify(): Promise<void> {
    await this.verifier?.finish((offset, length) => this.readUnverified(offset, length), this.context.chunkBytes);
  }

  private async readUnverified(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new Error(`${this.name}: read of ${length} bytes at offset ${offset} is outside the file (${this.size} bytes)`);
    }
    const out = new Uint8Array(length);
    if (length === 0) return out;
    // The first failing chunk cancels its siblings, so a failed read stops using the network.
    const failed = new AbortController();
    const signal = AbortSignal.any([this.context.signal, failed.signal]);
    const chunks: Promise<void>[] = [];
    for (let start = 0; start < length; start += this.context.chunkBytes) {
      const part = out.subarray(start, Math.min(length, start + this.context.chunkBytes));
      chunks.push(
        this.context.semaphore
          .use(() => {
            signal.throwIfAborted();
            return readRangeWithResume(this.target, offset + start, part, signal);
          })
          .catch((error: unknown) => {
            failed.abort(error);
            throw error;
          }),
      );
    }
    const results = await Promise.allSettled(chunks);
    const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (first) throw this.context.signal.aborted ? this.context.signal.reason : first.reason;
    return out;
  }
}
