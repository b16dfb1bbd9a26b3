// llama-imatrix's GGUF output: general.type, imatrix.datasets/chunk_count/chunk_size, then per
// entry (name-sorted) <name>.in_sum2 [ne0, n] (raw Σx²) and <name>.counts [1, n], both F32, with
// n = 1, or the expert count for stacked experts (a row of sums and a count per expert).
import { layoutGguf, type GgufTensorInfo } from '../gguf/gguf-header.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ImatrixStats } from './imatrix-stats.ts';

/** `datasets`: the text file names as given (llama-imatrix records its -f argument). */
export function imatrixGgufBytes(stats: ImatrixStats, datasets: readonly string[]): Uint8Array {
  const metadata: GgufKv[] = [
    { key: 'general.type', value: { type: 'string', value: 'imatrix' } },
    { key: 'imatrix.datasets', value: { type: 'array', itemType: 'string', value: datasets } },
    { key: 'imatrix.chunk_count', value: { type: 'u32', value: stats.chunkCount } },
    { key: 'imatrix.chunk_size', value: { type: 'u32', value: stats.chunkSize } },
  ];
  const names = [...stats.entries.keys()].sort();
  const tensors: GgufTensorInfo[] = [];
  const data: Float32Array[] = [];
  for (const name of names) {
    const e = stats.entries.get(name)!;
    const counts = e.expertCounts ?? [e.count];
    tensors.push({ name: `${name}.in_sum2`, ne: [e.sums.length / counts.length, counts.length], type: 'F32' }, { name: `${name}.counts`, ne: [1, counts.length], type: 'F32' });
    data.push(e.sums, new Float32Array(counts));
  }
  const layout = layoutGguf(metadata, tensors);
  const out = new Uint8Array(layout.totalBytes);
  out.set(layout.header);
  data.forEach((d, i) => out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), layout.tensorOffsets[i]!));
  return out;
}
