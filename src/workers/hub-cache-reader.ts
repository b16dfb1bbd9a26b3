// Read-only use of the OPFS Hub cache, for workers other than the export worker (calibration,
// evaluation). Only files another run has finished and marked (the .sha256 marker equals the
// listing's LFS sha256 and the size matches) are read from disk; everything else comes from the
// network and is NOT written. Writing from two workers at once is unsafe with the cache's
// layout: a second writer removes the marker and truncates a file the first one may just have
// completed, and a File snapshot taken on it then fails to read. Readers take no lock and change
// nothing, so they can run beside an export that writes the same model's directory.
// The layout (directory and file names) is the one src/io/opfs-cache.ts writes.
import type { ByteSource, ModelFiles } from '../core/bytes-io.ts';
import type { HubFileEntry } from '../io/hub/index.ts';
import { CACHE_DIR, type CacheEvents, type CacheKey, type CachedModelFiles } from '../io/opfs-cache.ts';

async function modelDirectory(key: CacheKey): Promise<FileSystemDirectoryHandle | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.getDirectory) return null;
  try {
    const root = await storage.getDirectory();
    const cache = await root.getDirectoryHandle(CACHE_DIR);
    return await cache.getDirectoryHandle(encodeURIComponent(`${new URL(key.endpoint).host}/${key.repo}@${key.commit}`));
  } catch {
    return null; // no OPFS, or nothing of this model cached yet
  }
}

/** The verified copy of `entry`, or null when it is absent, unfinished or for another content. */
async function completedFile(dir: FileSystemDirectoryHandle, entry: HubFileEntry): Promise<File | null> {
  if (!entry.sha256) return null;
  const name = encodeURIComponent(entry.path);
  try {
    const marker = (await (await (await dir.getFileHandle(`${name}.sha256`)).getFile()).text()).trim();
    if (marker !== entry.sha256.toLowerCase()) return null;
    const data = await (await dir.getFileHandle(`${name}.data`)).getFile();
    return data.size === entry.size ? data : null;
  } catch {
    return null;
  }
}

/** A File snapshot: if the file changes on disk afterwards, reads fail instead of returning other bytes. */
function snapshotSource(name: string, file: File, events: CacheEvents): ByteSource {
  return {
    name,
    size: file.size,
    async read(offset, length) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.size) {
        throw new Error(`${name} (cached): read of ${length} bytes at offset ${offset} is outside the file (${file.size} bytes)`);
      }
      const bytes = new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
      events.onCacheRead?.(name, length);
      return bytes;
    },
  };
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
      if (file) complete.set(entry.path, snapshotSource(entry.path, file, events));
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
