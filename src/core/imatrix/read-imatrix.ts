// Loads an importance matrix from llama.cpp's GGUF imatrix format (<name>.in_sum2 and
// <name>.counts tensors) or its legacy .dat format, normalized as llama-quantize normalizes it:
// the per-column mean of squared activations, sums / count in float32 (a count of 0 gives 1s).
import type { ByteSource } from '../bytes-io.ts';
import { GGUF_MAX_TENSOR_NAME_BYTES, readGgufInfo } from '../gguf/read-gguf.ts';
import type { ImportanceMatrix } from './imatrix-types.ts';

const F32_TYPE_ID = 0;

function f32View(bytes: Uint8Array): Float32Array {
  const copy = new Float32Array(bytes.length / 4);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

async function readGgufImatrix(source: ByteSource): Promise<ImportanceMatrix> {
  const { parsed, dataStart } = await readGgufInfo(source);
  const meta = parsed.metadata as Record<string, unknown>;
  for (const key of ['imatrix.datasets', 'imatrix.chunk_count', 'imatrix.chunk_size']) {
    if (!(key in meta)) throw new Error(`${source.name}: not an imatrix file (missing "${key}")`);
  }
  const byName = new Map<string, { sums?: (typeof parsed.tensorInfos)[number]; counts?: (typeof parsed.tensorInfos)[number] }>();
  for (const t of parsed.tensorInfos) {
    const m = /^(.*)\.(in_sum2|counts)$/.exec(t.name);
    if (!m) continue;
    const slot = byName.get(m[1]!) ?? {};
    slot[m[2] === 'in_sum2' ? 'sums' : 'counts'] = t;
    byName.set(m[1]!, slot);
  }
  const entries = new Map<string, Float32Array>();
  for (const [name, { sums, counts }] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!sums || !counts) throw new Error(`${source.name}: entry "${name}" has ${sums ? 'no .counts' : 'no .in_sum2'} tensor`);
    if (Number(sums.dtype) !== F32_TYPE_ID || Number(counts.dtype) !== F32_TYPE_ID) {
      throw new Error(`${source.name}: entry "${name}": sums and counts must be F32`);
    }
    const nSums = sums.shape.reduce((a, b) => a * Number(b), 1);
    const nCounts = counts.shape.reduce((a, b) => a * Number(b), 1);
    if (nCounts < 1 || nSums % nCounts !== 0) throw new Error(`${source.name}: entry "${name}": ${nSums} sums do not split into ${nCounts} experts`);
    const sumValues = f32View(await source.read(dataStart + Number(sums.offset), nSums * 4));
    const countValues = f32View(await source.read(dataStart + Number(counts.offset), nCounts * 4));
    const ne0 = nSums / nCounts;
    const out = new Float32Array(nSums);
    for (let e = 0; e < nCounts; e++) {
      const count = countValues[e]!;
      for (let i = 0; i < ne0; i++) out[e * ne0 + i] = count > 0 ? Math.fround(sumValues[e * ne0 + i]! / count) : 1;
    }
    entries.set(name, out);
  }
  if (entries.size === 0) throw new Error(`${source.name}: the imatrix has no entries`);
  const datasets = meta['imatrix.datasets'];
  if (!Array.isArray(datasets) || !datasets.every((d) => typeof d === 'string')) throw new Error(`${source.name}: "imatrix.datasets" must be an array of strings`);
  const chunkCount = meta['imatrix.chunk_count'];
  if (typeof chunkCount !== 'number' && typeof chunkCount !== 'bigint') throw new Error(`${source.name}: "imatrix.chunk_count" must be a number`);
  return { entries, datasets: [...(datasets as string[])], chunkCount: Number(chunkCount) };
}

/** Bytes of the smallest legacy entry: name length, a one-byte name, calls, count, one value. */
const LEGACY_MIN_ENTRY_BYTES = 17;

/**
 * llama-imatrix's legacy .dat: i32 entry count; per entry i32 name length, the name, i32 calls,
 * i32 value count and f32 values; then optionally i32 chunk count, i32 dataset name length and the
 * name. Every count is checked against the bytes left before anything is allocated or looped over,
 * and the file must end where its last field ends.
 */
async function readLegacyImatrix(source: ByteSource): Promise<ImportanceMatrix> {
  const file = source.name;
  const bytes = await source.read(0, source.size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const left = () => bytes.length - at;
  const i32 = (what: string) => {
    if (left() < 4) throw new Error(`${file}: legacy imatrix ends inside ${what} (at byte ${at})`);
    const v = view.getInt32(at, true);
    at += 4;
    return v;
  };
  const utf8 = (len: number, what: string) => {
    const raw = bytes.subarray(at, at + len);
    at += len;
    if (raw.includes(0)) throw new Error(`${file}: ${what} contains a NUL byte`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new Error(`${file}: ${what} is not UTF-8`);
    }
  };
  const n = i32('the entry count');
  if (n < 1) throw new Error(`${file}: not an imatrix (entry count ${n})`);
  if (n > left() / LEGACY_MIN_ENTRY_BYTES) throw new Error(`${file}: entry count ${n} does not fit the file's ${bytes.length} bytes`);
  const entries = new Map<string, Float32Array>();
  for (let i = 0; i < n; i++) {
    const len = i32(`entry ${i + 1}'s name length`);
    if (len < 1 || len > GGUF_MAX_TENSOR_NAME_BYTES) throw new Error(`${file}: entry ${i + 1}'s name length ${len} is not a tensor name's (1 to ${GGUF_MAX_TENSOR_NAME_BYTES} bytes)`);
    if (len > left()) throw new Error(`${file}: legacy imatrix ends inside entry ${i + 1}'s name`);
    const name = utf8(len, `entry ${i + 1}'s name`);
    const ncall = i32(`entry "${name}"`);
    const nval = i32(`entry "${name}"`);
    if (nval < 1) throw new Error(`${file}: entry "${name}" has ${nval} values`);
    if (nval > left() / 4) throw new Error(`${file}: entry "${name}" has ${nval} values, more than the ${left()} bytes left hold`);
    const sums = f32View(bytes.subarray(at, at + nval * 4));
    at += nval * 4;
    entries.set(name, ncall > 0 ? sums.map((v) => Math.fround(v / ncall)) : sums);
  }
  let chunkCount = 0;
  const datasets: string[] = [];
  if (left() > 0) {
    chunkCount = i32('the chunk count');
    const len = i32('the dataset name length');
    if (len < 0 || len !== left()) throw new Error(`${file}: the dataset name length ${len} does not match the ${left()} bytes left at the end of the file`);
    if (len > 0) datasets.push(utf8(len, 'the dataset name'));
  }
  return { entries, datasets, chunkCount };
}

/** Reads either format: GGUF when the file starts with "GGUF", the legacy .dat format otherwise. */
export async function readImatrix(source: ByteSource): Promise<ImportanceMatrix> {
  const head = source.size >= 4 ? new TextDecoder().decode(await source.read(0, 4)) : '';
  return head === 'GGUF' ? readGgufImatrix(source) : readLegacyImatrix(source);
}
