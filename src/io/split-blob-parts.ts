// A split export's files made from the kept copy of its whole file: each part is its own header
// followed by a slice of the whole file's tensor data (shardRanges). Blobs compose by reference,
// so a disk-backed copy of gigabytes becomes its parts without being read.
import type { shardRanges } from '../core/gguf/split-gguf.ts';
import type { KeptFile } from './export-copy.ts';

export function splitBlobParts(whole: Blob, ranges: ReturnType<typeof shardRanges>, names: readonly string[]): KeptFile[] {
  if (ranges.length !== names.length) throw new Error(`split parts: ${ranges.length} ranges for ${names.length} names`);
  const last = ranges.at(-1);
  if (last && last.end !== whole.size) throw new Error(`split parts: the kept file has ${whole.size} bytes, the split expects ${last.end}`);
  return ranges.map((r, i) => ({ name: names[i]!, blob: new Blob([r.header as Uint8Array<ArrayBuffer>, whole.slice(r.start, r.end)]) }));
}
