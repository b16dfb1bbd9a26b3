// Calibration checkpoints in OPFS: per key, `<key>.ckpt` (the state, bytes) and `<key>.json`
// (what it belongs to and how far it got). createWritable commits a file on close, so a tab
// closed in the middle of a write leaves the previous version: the .ckpt is written before the
// .json that points at its progress, and a pair that does not decode is dropped on reading.

import { opfsDirectory } from './opfs-directory.ts';

const DIR = 'quant-studio-calibration';

interface Writable {
  write(data: Uint8Array<ArrayBuffer> | string): Promise<void>;
  close(): Promise<void>;
}

const directory = (create: boolean) => opfsDirectory(DIR, create);

async function writeFile(dir: FileSystemDirectoryHandle, name: string, data: Uint8Array | string): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await (handle as unknown as { createWritable(o: object): Promise<Writable> }).createWritable({ keepExistingData: false });
  await writable.write(data as Uint8Array<ArrayBuffer> | string);
  await writable.close();
}

export function checkpointStoreAvailable(): boolean {
  return typeof (globalThis.navigator as Navigator | undefined)?.storage?.getDirectory === 'function';
}

export async function saveCheckpoint(key: string, meta: unknown, bytes: Uint8Array): Promise<void> {
  const dir = await directory(true);
  if (!dir) throw new Error('calibration checkpoints: this browser has no OPFS');
  await writeFile(dir, `${key}.ckpt`, bytes);
  await writeFile(dir, `${key}.json`, JSON.stringify(meta));
}

/** Every stored checkpoint's metadata (unparsable ones are skipped). */
export async function listCheckpointMetas(): Promise<unknown[]> {
  const dir = await directory(false);
  if (!dir) return [];
  const metas: unknown[] = [];
  for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (!name.endsWith('.json') || handle.kind !== 'file') continue;
    try {
      metas.push(JSON.parse(await (await (handle as FileSystemFileHandle).getFile()).text()));
    } catch {
      // A damaged entry is not offered; it is overwritten by the next run with its key.
    }
  }
  return metas;
}

export async function readCheckpoint(key: string): Promise<{ meta: unknown; bytes: Uint8Array } | null> {
  const dir = await directory(false);
  if (!dir) return null;
  try {
    const meta = JSON.parse(await (await (await dir.getFileHandle(`${key}.json`)).getFile()).text()) as unknown;
    const bytes = new Uint8Array(await (await (await dir.getFileHandle(`${key}.ckpt`)).getFile()).arrayBuffer());
    return { meta, bytes };
  } catch {
    return null;
  }
}

export async function removeCheckpoint(key: string): Promise<void> {
  const dir = await directory(false);
  if (!dir) return;
  for (const name of [`${key}.json`, `${key}.ckpt`]) await dir.removeEntry(name).catch(() => undefined);
}
