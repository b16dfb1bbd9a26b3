// A cache of Hub files in the origin-private file system (OPFS), so a second run of the same
// model reads from disk instead of the network. Browser-only (a dedicated worker: it writes
// through FileSystemSyncAccessHandle, which only workers have).
//
// Layout: <root>/quant-studio-hub-cache/<host/repo@commit>/<file>.data and <file>.sha256.
// A file is written at the offsets its bytes are read from (the export reads out of file order);
// once the run is over, `commit()` fills the ranges nobody read, hashes what is on disk and,
// only when that equals the Hub's LFS sha256, writes the .sha256 marker. A file is served from
// the cache only with a marker that matches the listing's sha256 and the listed size, so a
// cancelled run, a full disk or a corrupt transfer never poisons later runs. Files without an
// LFS sha256 (config.json, tokenizer.json) cannot be verified and are always fetched.
import type { ByteSource, ModelFiles } from '../core/bytes-io.ts';
import type { HashFactory, HubFileEntry } from './hub/index.ts';
import { opfsRoot } from './opfs-directory.ts';

export const CACHE_DIR = 'quant-studio-hub-cache';
const HASH_CHUNK = 8 << 20;

/** Half-open byte ranges [start, end), merged as they are added. */
export class ByteRanges {
  private ranges: [number, number][] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    const kept: [number, number][] = [];
    for (const [a, b] of this.ranges) {
      if (b < start || a > end) kept.push([a, b]);
      else [start, end] = [Math.min(a, start), Math.max(b, end)];
    }
    kept.push([start, end]);
    this.ranges = kept.sort((x, y) => x[0] - y[0]);
  }

  /** The parts of [0, size) not added yet. */
  gaps(size: number): [number, number][] {
    const out: [number, number][] = [];
    let at = 0;
    for (const [a, b] of this.ranges) {
      if (a > at) out.push([at, Math.min(a, size)]);
      at = Math.max(at, b);
    }
    if (at < size) out.push([at, size]);
    return out;
  }
}

export interface CacheKey {
  endpoint: string;
  repo: string;
  commit: string;
}

export interface CacheEvents {
  /** Bytes served from the cache instead of the network. */
  onCacheRead?(file: string, bytes: number): void;
  /** The cache could not be written or verified (quota, mismatch): the run goes on without it. */
  onCacheProblem?(file: string, message: string): void;
}

export function modelDirName(key: CacheKey): string {
  return encodeURIComponent(`${new URL(key.endpoint).host}/${key.repo}@${key.commit}`);
}

export async function readMarker(dir: FileSystemDirectoryHandle, name: string): Promise<string | null> {
  try {
    return (await (await (await dir.getFileHandle(`${name}.sha256`)).getFile()).text()).trim();
  } catch {
    return null;
  }
}

/** A verified file in the cache, read through a File snapshot (no lock on the data). */
export function cachedSource(name: string, file: File, events: CacheEvents): ByteSource {
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

/** One file being written while it is read from the network. */
class WriteThrough {
  readonly ranges = new ByteRanges();
  failed = false;

  constructor(
    readonly entry: HubFileEntry & { sha256: string },
    readonly inner: ByteSource,
    readonly handle: FileSystemSyncAccessHandle,
  ) {}

  store(offset: number, bytes: Uint8Array): void {
    if (this.failed) return;
    const written = this.handle.write(bytes, { at: offset });
    if (written !== bytes.length) throw new Error(`wrote ${written} of ${bytes.length} bytes at offset ${offset}`);
    this.ranges.add(offset, offset + bytes.length);
  }
}

export interface CachedModelFiles extends ModelFiles {
  /**
   * After a successful run: completes, verifies and marks every file written in this run.
   * Reads the ranges nobody read through `inner` (the network).
   */
  commit(): Promise<void>;
  /** Releases the files' locks without marking anything complete. */
  close(): Promise<void>;
}

/**
 * `files` with LFS files served from the cache when complete, else written through to it.
 * Without OPFS (or when it cannot be opened) this is `files` itself.
 */
export async function cachedModelFiles(
  files: ModelFiles & { readonly entries: readonly HubFileEntry[] },
  key: CacheKey,
  createHash: HashFactory,
  events: CacheEvents = {},
): Promise<CachedModelFiles> {
  const root = await opfsRoot();
  const passThrough: CachedModelFiles = { label: files.label, names: () => files.names(), open: (n) => files.open(n), commit: async () => {}, close: async () => {} };
  if (!root) return passThrough;
  const dir = await (await root.getDirectoryHandle(CACHE_DIR, { create: true })).getDirectoryHandle(modelDirName(key), { create: true });
  const entries = new Map(files.entries.map((e) => [e.path, e]));
  const complete = new Map<string, ByteSource>();
  const writing = new Map<string, Promise<WriteThrough | null>>();
  const dataName = (path: string) => encodeURIComponent(path);

  // Settled before open() is called: ModelFiles.open is synchronous.
  for (const entry of entries.values()) {
    if (!entry.sha256) continue;
    const name = dataName(entry.path);
    if ((await readMarker(dir, name)) !== entry.sha256.toLowerCase()) continue;
    const file = await dir.getFileHandle(`${name}.data`).then((h) => h.getFile(), () => null);
    if (file?.size === entry.size) complete.set(entry.path, cachedSource(entry.path, file, events));
  }

  const giveUp = (w: WriteThrough, error: unknown) => {
    if (w.failed) return;
    w.failed = true;
    events.onCacheProblem?.(w.entry.path, (error as Error)?.message ?? String(error));
  };

  // A file is created (and locked) on its first read only: a repo often holds files no run reads
  // (pytorch_model.bin beside model.safetensors), which must not be downloaded for the cache.
  const writerFor = (entry: HubFileEntry & { sha256: string }, inner: ByteSource): Promise<WriteThrough | null> => {
    let pending = writing.get(entry.path);
    if (!pending) {
      pending = (async () => {
        const name = dataName(entry.path);
        await dir.removeEntry(`${name}.sha256`).catch(() => {});
        const handle = await (await dir.getFileHandle(`${name}.data`, { create: true })).createSyncAccessHandle();
        handle.truncate(entry.size);
        return new WriteThrough(entry, inner, handle);
      })().catch((error: Error) => {
        events.onCacheProblem?.(entry.path, error.message);
        return null;
      });
      writing.set(entry.path, pending);
    }
    return pending;
  };

  const writeThroughSource = (entry: HubFileEntry & { sha256: string }, inner: ByteSource): ByteSource => ({
    name: inner.name,
    size: inner.size,
    async read(offset, length) {
      const w = await writerFor(entry, inner);
      const bytes = await inner.read(offset, length);
      try {
        w?.store(offset, bytes);
      } catch (error) {
        giveUp(w!, error);
      }
      return bytes;
    },
  });

  const writers = async () => (await Promise.all(writing.values())).filter((w): w is WriteThrough => w !== null);

  const closeAll = async () => {
    for (const w of await writers()) {
      try {
        w.handle.close();
      } catch {
        // already closed
      }
    }
    writing.clear();
  };

  const finish = async (w: WriteThrough) => {
    const name = dataName(w.entry.path);
    try {
      for (const [start, end] of w.ranges.gaps(w.entry.size)) {
        for (let at = start; at < end; at += HASH_CHUNK) w.store(at, await w.inner.read(at, Math.min(HASH_CHUNK, end - at)));
      }
      w.handle.flush();
      const hash = createHash();
      const buffer = new Uint8Array(Math.min(HASH_CHUNK, Math.max(1, w.entry.size)));
      for (let at = 0; at < w.entry.size; at += buffer.length) {
        const view = buffer.subarray(0, Math.min(buffer.length, w.entry.size - at));
        if (w.handle.read(view, { at }) !== view.length) throw new Error(`short read back at offset ${at}`);
        hash.update(view);
      }
      const actual = hash.digestHex().toLowerCase();
      if (actual !== w.entry.sha256.toLowerCase()) throw new Error(`sha256 of the cached copy is ${actual}, expected ${w.entry.sha256}`);
    } finally {
      w.handle.close(); // the lock must go before the file is read as a File
    }
    const marker = await (await dir.getFileHandle(`${name}.sha256`, { create: true })).createWritable();
    await marker.write(w.entry.sha256.toLowerCase());
    await marker.close();
    // Later runs of this session read the verified copy, as a new session would.
    complete.set(w.entry.path, cachedSource(w.entry.path, await (await dir.getFileHandle(`${name}.data`)).getFile(), events));
  };

  return {
    label: files.label,
    names: () => files.names(),
    open(name) {
      const cached = complete.get(name);
      if (cached) return cached;
      const entry = entries.get(name);
      const inner = files.open(name);
      return inner && entry?.sha256 ? writeThroughSource(entry as HubFileEntry & { sha256: string }, inner) : inner;
    },
    async commit() {
      try {
        for (const w of await writers()) {
          if (w.failed) continue;
          try {
            await finish(w);
          } catch (error) {
            giveUp(w, error);
          }
        }
      } finally {
        await closeAll();
      }
    },
    close: closeAll,
  };
}

/** Bytes the cache holds on this origin; null without OPFS. */
export async function hubCacheBytes(): Promise<number | null> {
  const root = await opfsRoot();
  if (!root) return null;
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await root.getDirectoryHandle(CACHE_DIR);
  } catch {
    return 0;
  }
  return directoryBytes(dir);
}

async function directoryBytes(dir: FileSystemDirectoryHandle): Promise<number> {
  let total = 0;
  for await (const handle of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
    if (handle.kind === 'file') total += (await (handle as FileSystemFileHandle).getFile()).size;
    else total += await directoryBytes(handle as FileSystemDirectoryHandle);
  }
  return total;
}

/** Removes every cached model. Fails while a run holds a file open (close it first). */
export async function clearHubCache(): Promise<void> {
  const root = await opfsRoot();
  if (!root) return;
  await root.removeEntry(CACHE_DIR, { recursive: true }).catch((error: DOMException) => {
    if (error.name !== 'NotFoundError') throw error;
  });
}
