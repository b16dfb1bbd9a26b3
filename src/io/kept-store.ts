// Finished results kept in OPFS so a reload or a closed tab loses nothing: per key, a payload file
// and a small JSON meta beside it (what it belongs to, when it was saved), so a page can list what
// is kept for a model without reading the payloads. A folder holds at most `limit` entries: each
// save drops the oldest beyond it (results are large and can be computed again; the newest are
// the ones a user comes back to). createWritable commits on close: the payload is written before
// the meta that announces it, and an entry whose meta does not parse is not listed.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { opfsDirectory, opfsRoot } from './opfs-directory.ts';

export interface KeptEntry<M> {
  /** The caller's key, whole (file names carry only its hash). */
  key: string;
  savedAt: number;
  meta: M;
}

interface Writable {
  write(data: Uint8Array<ArrayBuffer> | string): Promise<void>;
  close(): Promise<void>;
}

type Dir = FileSystemDirectoryHandle;

const stemOf = (key: string) => bytesToHex(sha256(new TextEncoder().encode(key))).slice(0, 32);

async function writeFile(dir: Dir, name: string, data: Uint8Array | string): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await (handle as unknown as { createWritable(o: object): Promise<Writable> }).createWritable({ keepExistingData: false });
  await writable.write(data as Uint8Array<ArrayBuffer> | string);
  await writable.close();
}

async function readFile(dir: Dir, name: string): Promise<File> {
  return (await dir.getFileHandle(name)).getFile();
}

/** The entries beyond the newest `limit`: what a save drops. */
export function entriesBeyond<M>(entries: readonly KeptEntry<M>[], limit: number): KeptEntry<M>[] {
  return [...entries].sort((a, b) => b.savedAt - a.savedAt).slice(Math.max(0, limit));
}

export interface KeptStore<M> {
  /** Replaces the entry of `key` (the latest wins), then drops the oldest beyond the limit. */
  save(key: string, meta: M, payload: Uint8Array | string): Promise<void>;
  /** Every entry's meta, newest first (none without OPFS). */
  list(): Promise<KeptEntry<M>[]>;
  /** The payload of `key`; null when it is not kept (or no OPFS). */
  read(key: string): Promise<Uint8Array | null>;
  remove(key: string): Promise<void>;
  /** Every entry of this folder. */
  clear(): Promise<void>;
}

export function keptStore<M>(folder: string, limit: number): KeptStore<M> {
  const directory = (create: boolean) => opfsDirectory(folder, create);
  const removeStem = async (dir: Dir, stem: string) => {
    for (const name of [`${stem}.json`, `${stem}.data`]) await dir.removeEntry(name).catch(() => undefined);
  };

  async function list(): Promise<KeptEntry<M>[]> {
    const dir = await directory(false);
    if (!dir) return [];
    const entries: KeptEntry<M>[] = [];
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (!name.endsWith('.json') || handle.kind !== 'file') continue;
      try {
        const e = JSON.parse(await (await (handle as FileSystemFileHandle).getFile()).text()) as KeptEntry<M>;
        if (typeof e.key === 'string' && typeof e.savedAt === 'number' && stemOf(e.key) === name.slice(0, -5)) entries.push(e);
      } catch {
        // A damaged meta is not offered; the next save under its key overwrites it.
      }
    }
    return entries.sort((a, b) => b.savedAt - a.savedAt);
  }

  return {
    list,
    async save(key, meta, payload) {
      const dir = await directory(true);
      if (!dir) throw new Error('this browser has no OPFS');
      const stem = stemOf(key);
      await writeFile(dir, `${stem}.data`, payload);
      await writeFile(dir, `${stem}.json`, JSON.stringify({ key, savedAt: Date.now(), meta } satisfies KeptEntry<M>));
      for (const old of entriesBeyond(await list(), limit)) await removeStem(dir, stemOf(old.key));
    },
    async read(key) {
      const dir = await directory(false);
      if (!dir) return null;
      const stem = stemOf(key);
      try {
        // The meta names the whole key: a hash collision, however unlikely, hands back nothing.
        const entry = JSON.parse(await (await readFile(dir, `${stem}.json`)).text()) as KeptEntry<M>;
        if (entry.key !== key) return null;
        return new Uint8Array(await (await readFile(dir, `${stem}.data`)).arrayBuffer());
      } catch {
        return null;
      }
    },
    async remove(key) {
      const dir = await directory(false);
      if (dir) await removeStem(dir, stemOf(key));
    },
    async clear() {
      const root = await opfsRoot();
      await root?.removeEntry(folder, { recursive: true }).catch(() => undefined);
    },
  };
}
