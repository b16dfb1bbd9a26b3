// The keys llama-quantize adds to a file quantized with an importance matrix, in its order.
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ImportanceMatrix } from './imatrix-types.ts';

/** llama-quantize copies these strings into a 128-byte buffer: at most 127 bytes survive. */
function truncateBytes(s: string, max = 127): string {
  const bytes = new TextEncoder().encode(s);
  return bytes.length <= max ? s : new TextDecoder().decode(bytes.subarray(0, max)).replace(/\uFFFD$/, '');
}

/** `fileLabel` is the imatrix path exactly as the user gave it (llama-quantize records the argument). */
export function imatrixMetadata(imatrix: ImportanceMatrix, fileLabel: string): GgufKv[] {
  const kvs: GgufKv[] = [{ key: 'quantize.imatrix.file', value: { type: 'string', value: truncateBytes(fileLabel) } }];
  if (imatrix.datasets.length > 0) {
    kvs.push({ key: 'quantize.imatrix.dataset', value: { type: 'string', value: truncateBytes(imatrix.datasets[0]!) } });
  }
  kvs.push({ key: 'quantize.imatrix.entries_count', value: { type: 'u32', value: imatrix.entries.size } });
  if (imatrix.chunkCount > 0) kvs.push({ key: 'quantize.imatrix.chunks_count', value: { type: 'u32', value: imatrix.chunkCount } });
  return kvs;
}
