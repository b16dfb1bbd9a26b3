// The open folder's files, kept on the page: the calibrate and evaluate workers read them
// directly (a File crosses to a worker without its bytes being copied).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { NamedBlob } from '../io/blob-files.ts';

let current: NamedBlob[] | null = null;

/** A folder's files, or null for a Hub model (workers open it from its pinned commit: worker-model-source.ts). */
export function setModelEntries(entries: NamedBlob[] | null): void {
  current = entries;
}

export function modelEntries(): NamedBlob[] | null {
  return current;
}

/**
 * Names a model's files: paths, sizes and modification times. A checkpoint taken on one model
 * must never resume on another, even one with the same shapes.
 */
export function modelKey(entries: readonly NamedBlob[]): string {
  const parts = entries
    .map((e) => `${e.path}\u0000${e.blob.size}\u0000${(e.blob as Partial<File>).lastModified ?? 0}`)
    .sort();
  return bytesToHex(sha256(new TextEncoder().encode(parts.join('\n'))));
}
