// ModelFiles over dropped or picked File objects. Reads go through Blob.slice so a multi-GB
// safetensors file is never loaded whole: only the ranges the planner and exporter ask for.
import type { ByteSource, ModelFiles } from '../core/bytes-io.ts';

/** A file as the user gave it: `path` is relative ("stories260K/config.json" or "config.json"). */
export interface NamedBlob {
  path: string;
  blob: Blob;
}

export function blobByteSource(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new Error(`${name}: invalid read of ${length} bytes at offset ${offset}`);
      }
      if (offset + length > blob.size) {
        throw new Error(
          `${name}: read of ${length} bytes at offset ${offset} runs past the end of the file (${blob.size} bytes)`,
        );
      }
      const buffer = await blob.slice(offset, offset + length).arrayBuffer();
      if (buffer.byteLength !== length) {
        // A File changed on disk after it was picked: Chromium returns short or throws.
        throw new Error(`${name}: got ${buffer.byteLength} of ${length} bytes at offset ${offset}; was the file changed?`);
      }
      return new Uint8Array(buffer);
    },
  };
}

/**
 * A folder pick yields "folder/config.json", "folder/model.safetensors": the model's own names
 * are relative to that folder, so a first segment shared by every path is dropped (and becomes
 * the label). Nested folders below it keep their prefix.
 */
export function splitCommonFolder(paths: readonly string[]): { folder: string | null; names: string[] } {
  const cleaned = paths.map((p) => p.replace(/\\/g, '/').replace(/^\/+/, ''));
  const first = cleaned[0]?.split('/');
  if (!first || first.length < 2) return { folder: null, names: cleaned };
  const folder = first[0]!;
  const shared = cleaned.every((p) => p.startsWith(`${folder}/`) && p.length > folder.length + 1);
  return shared ? { folder, names: cleaned.map((p) => p.slice(folder.length + 1)) } : { folder: null, names: cleaned };
}

export function blobModelFiles(entries: readonly NamedBlob[], fallbackLabel = 'model'): ModelFiles {
  if (entries.length === 0) throw new Error('No files were given: drop a model folder or pick its files');
  const { folder, names } = splitCommonFolder(entries.map((e) => e.path));
  const byName = new Map<string, Blob>();
  names.forEach((name, i) => {
    if (byName.has(name)) throw new Error(`${name}: the same file name was given twice`);
    byName.set(name, entries[i]!.blob);
  });
  // A GGUF given alone (or its shards) is named after its file, as a folder is after the folder.
  const ggufs = names.filter((n) => /\.gguf$/i.test(n));
  const ggufStem = ggufs.length > 0 && ggufs.length === names.length ? ggufs[0]!.replace(/(-\d{5}-of-\d{5})?\.gguf$/i, '') : null;
  return {
    label: folder ?? (ggufStem && ggufs.every((n) => n.startsWith(ggufStem)) ? ggufStem : fallbackLabel),
    names: () => [...byName.keys()],
    open(name: string): ByteSource | undefined {
      const blob = byName.get(name);
      return blob ? blobByteSource(name, blob) : undefined;
    },
  };
}
