// The open folder's files, kept on the page: the calibrate and evaluate workers read them
// directly (a File crosses to a worker without its bytes being copied).
import type { NamedBlob } from '../io/blob-files.ts';

let current: NamedBlob[] | null = null;

/** A folder's files, or null for a Hub model (workers open it from its pinned commit: worker-model-source.ts). */
export function setModelEntries(entries: NamedBlob[] | null): void {
  current = entries;
}

export function modelEntries(): NamedBlob[] | null {
  return current;
}
