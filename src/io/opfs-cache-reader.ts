// Read-only use of the OPFS Hub cache, for workers other than the export worker (calibration,
// evaluation). Only files another run has finished and marked (the .sha256 marker equals the
// listing's LFS sha256 and the size matches) are read from disk; everything else comes from the
// network and is NOT written. Writing from two workers at once is unsafe with the cache's
// layout: a second writer removes the marker and truncates a file the first one may just have
// completed, and a File snapshot taken on it then fails to read. Readers take no lock and change
// nothing, so they can run beside an export that writes the same model's directory.
// The layout, markers and snapshot reads are opfs-cache.ts's own (shared from there).
import type { ByteSource, ModelFiles } from '../core/bytes-io.ts';
import type { HubFileEntry } from './hub/index.ts';
import { CACHE_DIR, cachedSource, modelDirName, readMarker, type CacheEvents, type CacheKey, type CachedModelFiles } from './opfs-cache.ts';
import { opfsDirectory } from './opfs-directory.ts';

async function modelDirectory(key: CacheKey): Promise<FileSystemDirectoryHandle | null> {
  try {
    return (await (await opfsDirectory(CACHE_DIR, false))?.getDirectoryHandle(modelDirName(key))) ?? null;
  } catch {
    return null; // nothing of this model cached yet
  }
}

/** The verified copy of `entry`, or null when it is absent, unfinished or for another content. */
async function completedFile(dir: FileSystemDirectoryHandle, entry: HubFileEntry): Promise<File | null> {
  if (!entry.sha256) return null;
  const name = encodeURIComponent(entry.path);
  if ((await readMarker(dir, name)) !== entry.sha256.toLowerCase()) return null;
  try {
    const data = await (await dir.getFileHandle(`${name}.data`)).getFile();
    return data.size === entry.size ? data : null;
  } catch {
    return null;
  }
}

/** `files` with the completed cached copies read from OPFS; commit() and close() do nothing. */
export async function readOnlyCachedModelFiles(
  files: ModelFiles & { readonly entries: readonly HubFileEntry[] },
  key: CacheKey,
  events: CacheEvents = {},
): Promise<CachedModelFiles> {
  const dir = await modelDirectory(key);
  const complete = new Map<string, ByteSource>();
  if (dir) {
    for (const entry of files.entries) {
      const file = await completedFile(dir, entry);
      if (file) complete.set(entry.path, cachedSource(entry.path, file, events));
    }
  }
  return {
    label: files.label,
    names: () => files.names(),
    open: (name) => complete.get(name) ?? files.open(name),
    commit: async () => {},
    close: async () => {},
  };
}
