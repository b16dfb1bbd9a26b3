// safetensors headers, single files and sharded folders (index + shards).
import type { SafetensorsHeader } from '../../../src/core/safetensors/header.ts';
import { parseSafetensorsHeader } from '../../../src/core/safetensors/header.ts';
import { readSafetensorsHeaders } from '../../../src/core/model/safetensors-files.ts';
import { memoryModelFiles, memorySource, safetensorsBytes } from '../../helpers/memory-files.ts';
import type { FuzzRng, FuzzTarget } from '../fuzz-types.ts';
import { edgeNumber, mutateBytes, mutateJson } from '../mutate.ts';

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };

function seedHeader(): { header: Record<string, unknown>; dataBytes: number } {
  return {
    header: {
      __metadata__: { format: 'pt' },
      'a.weight': { dtype: 'F32', shape: [4, 8], data_offsets: [0, 128] },
      'b.weight': { dtype: 'BF16', shape: [8], data_offsets: [128, 144] },
      'c.weight': { dtype: 'F16', shape: [2, 2], data_offsets: [144, 152] },
    },
    dataBytes: 152,
  };
}

function shapeOrOffset(rng: FuzzRng): unknown {
  return rng.pick([[edgeNumber(rng)], [edgeNumber(rng), edgeNumber(rng)], [0, edgeNumber(rng)], rng.pick(Object.keys(DTYPE_BYTES)), Array(9).fill(1)]);
}

/**
 * The format as the reference implementation (the safetensors crate) reads it: a JSON object
 * after a u64 length that fits the file; tensors with a known dtype, shapes of non-negative
 * integers, and data_offsets that tile the data area exactly (sorted, no gaps, no overlap, no
 * trailing bytes) with each tensor's byte length equal to its element count times its dtype size.
 */
export function checkSafetensors(bytes: Uint8Array, header: SafetensorsHeader): string | null {
  if (bytes.length < 8) return 'accepted a file shorter than the length prefix';
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (8 + n > bytes.length) return 'accepted a header longer than the file';
  let json: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    return 'accepted a header that is not UTF-8 JSON';
  }
  const entries = Object.entries(json).filter(([k]) => k !== '__metadata__');
  if (entries.length !== header.tensors.length) return `read ${header.tensors.length} tensors, the header lists ${entries.length}`;
  const sorted = entries.map(([, e]) => e).sort((a, b) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
  let end = 0;
  for (const e of sorted) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count * DTYPE_BYTES[e.dtype]!)) return 'accepted an element count past 2^53';
    if (e.data_offsets[0] !== end) return `accepted data_offsets that leave a gap or overlap at ${end}`;
    if (e.data_offsets[1] - e.data_offsets[0] !== count * DTYPE_BYTES[e.dtype]!) return 'accepted a byte length that is not shape × dtype size';
    end = e.data_offsets[1];
  }
  if (8 + n + end !== bytes.length) return `accepted ${bytes.length - 8 - n - end} bytes after the last tensor`;
  for (const t of header.tensors) {
    const e = json[t.name]!;
    if (t.offset !== 8 + n + e.data_offsets[0] || t.dtype !== e.dtype || t.shape.join() !== e.shape.join()) return `tensor "${t.name}" read differently from its header entry`;
  }
  return null;
}

export const safetensorsHeaderTarget: FuzzTarget = {
  name: 'safetensors header',
  errorNames: /model\.safetensors/,
  async prepare() {
    const { header, dataBytes } = seedHeader();
    return (rng) => {
      let bytes: Uint8Array;
      if (rng.chance(0.6)) {
        const text = mutateJson(header, rng, shapeOrOffset);
        const json = new TextEncoder().encode(text);
        const dataSize = Math.max(0, dataBytes + (rng.chance(0.2) ? rng.int(64) - 32 : 0));
        bytes = new Uint8Array(8 + json.length + dataSize);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
        bytes.set(json, 8);
      } else {
        const seed = safetensorsBytes(header, dataBytes);
        bytes = mutateBytes(seed, rng, { start: 0, end: seed.length - dataBytes });
      }
      return {
        run: () => parseSafetensorsHeader(memorySource('model.safetensors', bytes)),
        check: (accepted) => checkSafetensors(bytes, accepted as SafetensorsHeader),
      };
    };
  },
};

export const safetensorsIndexTarget: FuzzTarget = {
  name: 'safetensors index',
  errorNames: /model\.safetensors|model-0000\d-of-00002|weight_map|sharded/,
  async prepare() {
    const shard1 = safetensorsBytes({ 'a.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, 16);
    const shard2 = safetensorsBytes({ 'b.weight': { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, 8);
    const index = { metadata: { total_size: 24 }, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' } };
    const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', '../model-00001-of-00002.safetensors', 'model.safetensors.index.json', 'constructor'];
    return (rng) => {
      const text = mutateJson(index, rng, (r) => r.pick(names));
      const files = memoryModelFiles('sharded', { 'model.safetensors.index.json': text, 'model-00001-of-00002.safetensors': shard1, 'model-00002-of-00002.safetensors': shard2 });
      return {
        run: () => readSafetensorsHeaders(files),
        check: (accepted) => {
          const map = (JSON.parse(text) as { weight_map: Record<string, string> }).weight_map;
          const headers = accepted as SafetensorsHeader[];
          const read = headers.flatMap((h) => h.tensors.map((t) => [t.name, t.file] as const));
          if (read.length !== Object.keys(map).length) return `read ${read.length} tensors, weight_map lists ${Object.keys(map).length}`;
          for (const [name, file] of read) if (!Object.hasOwn(map, name) || map[name] !== file) return `tensor "${name}" read from ${file}, weight_map says ${String(map[name])}`;
          return null;
        },
      };
    };
  },
};
