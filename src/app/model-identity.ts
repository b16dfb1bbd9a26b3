// The one name of a model's bytes. Everything keyed by "which model" uses it: the sensitivity
// cache, calibration checkpoints, the model an evaluation compared with, and whether a result
// still belongs to the open model. It is computed once, when the model is opened (open-model.ts),
// and kept in the store's source slice, so a reader never recomputes it from other state.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { NamedBlob } from '../io/blob-files.ts';
import type { StudioState } from './store.ts';

/**
 * A Hub model by repo@commit (a commit fixes every byte, whichever endpoint serves it); a folder
 * by its files: paths, sizes and modification times. Two folders with the same shapes (two
 * fine-tunes of one base) are two models: a result of one must never pass for the other's.
 */
export function modelIdentityOf(model: { kind: 'hub'; repo: string; commit: string } | { kind: 'files'; files: readonly NamedBlob[] }): string {
  if (model.kind === 'hub') return `hub:${model.repo}@${model.commit}`;
  const parts = model.files
    .map((e) => `${e.path}\u0000${e.blob.size}\u0000${(e.blob as Partial<File>).lastModified ?? 0}`)
    .sort();
  return bytesToHex(sha256(new TextEncoder().encode(parts.join('\n'))));
}

/** The open model's identity; null while none is open (or it is still being read). */
export function modelIdentity(source: StudioState['source']): string | null {
  return source.status === 'ready' ? source.identity : null;
}
