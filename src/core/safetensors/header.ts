// Reads and checks a safetensors header (8-byte little-endian length + JSON) without touching
// the tensor data. Headers come from untrusted files, so every field is checked against a
// named limit and every error names the file (and the tensor).
import type { ByteSource } from '../bytes-io.ts';
import type { SourceTensor } from '../model/plan-types.ts';
import { isSafetensorsDtype, SAFETENSORS_DTYPE_BYTES, SAFETENSORS_DTYPES } from './dtype.ts';

/** The reference implementation refuses headers above 100 MB; so do we. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;
/** The length prefix: one u64, little-endian. */
export const SAFETENSORS_LENGTH_PREFIX_BYTES = 8;
/** More dimensions than this is not a weight tensor we could plan. */
export const SAFETENSORS_MAX_DIMS = 8;
const METADATA_KEY = '__metadata__';

export interface SafetensorsHeader {
  fileName: string;
  fileSize: number;
  /** Length of the JSON text (the u64 prefix). */
  headerByteLength: number;
  /** Absolute offset of the data area: 8 + headerByteLength. */
  dataStart: number;
  /** In header order, with absolute offsets. */
  tensors: SourceTensor[];
  metadata: Record<string, string>;
}

export async function parseSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const file = source.name;
  if (source.size < SAFETENSORS_LENGTH_PREFIX_BYTES) {
    throw new Error(`${file}: file is truncated (size ${source.size}, the 8-byte header length alone needs 8)`);
  }
  const prefix = await source.read(0, SAFETENSORS_LENGTH_PREFIX_BYTES);
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new Error(`${file}: header length ${headerLength} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`);
  }
  const headerByteLength = Number(headerLength);
  const dataStart = SAFETENSORS_LENGTH_PREFIX_BYTES + headerByteLength;
  if (dataStart > source.size) {
    throw new Error(`${file}: header length ${headerByteLength} runs past the end of the file (size ${source.size}); the file is truncated or not safetensors`);
  }
  const json = parseHeaderJson(file, await source.read(SAFETENSORS_LENGTH_PREFIX_BYTES, headerByteLength));
  const dataSize = source.size - dataStart;
  const tensors: SourceTensor[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = checkMetadata(file, entry);
    else tensors.push(checkTensorEntry(file, name, entry, dataStart, dataSize, source.size));
  }
  checkTiling(file, tensors, dataStart, dataSize);
  return { fileName: file, fileSize: source.size, headerByteLength, dataStart, tensors, metadata };
}

function parseHeaderJson(file: string, bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`${file}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file}: header must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkMetadata(file: string, entry: unknown): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new Error(`${file}: "${METADATA_KEY}" must be an object of strings`);
  }
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw new Error(`${file}: "${METADATA_KEY}" entry "${k}" must be a string`);
  }
  return entry as Record<string, string>;
}

function checkTensorEntry(file: string, name: string, entry: unknown, dataStart: number, dataSize: number, fileSize: number): SourceTensor {
  const where = `${file}: tensor "${name}"`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${where}: entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  if (!Array.isArray(shape) || shape.length > SAFETENSORS_MAX_DIMS || !shape.every(isNonNegativeInteger)) {
    throw new Error(`${where}: shape ${JSON.stringify(shape)} must be at most ${SAFETENSORS_MAX_DIMS} non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw new Error(`${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end], two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new Error(`${where}: data_offsets [${begin}, ${end}] have begin after end`);
  if (end > dataSize) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] run past the end of the file (size ${fileSize}, data area ${dataSize} bytes); the file is truncated`);
  }
  const elementCount = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elementCount * SAFETENSORS_DTYPE_BYTES[dtype];
  if (expected !== end - begin) {
    throw new Error(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { file, name, dtype, shape: shape as number[], offset: dataStart + begin, byteLength: end - begin };
}

/**
 * The reference implementation (the safetensors crate, which the converter reads through) accepts
 * only data areas that the tensors tile exactly: sorted by offset, each starting where the last
 * ended, the last ending at the end of the file. Gaps, overlaps and trailing bytes are refused.
 */
function checkTiling(file: string, tensors: SourceTensor[], dataStart: number, dataSize: number): void {
  const range = (t: SourceTensor) => `[${t.offset - dataStart}, ${t.offset - dataStart + t.byteLength}]`;
  const byStart = [...tensors].sort((a, b) => a.offset - b.offset || a.byteLength - b.byteLength);
  let end = dataStart;
  let previous: SourceTensor | undefined;
  for (const t of byStart) {
    if (t.offset < end) throw new Error(`${file}: tensor "${t.name}" data_offsets ${range(t)} overlap tensor "${previous!.name}" ${range(previous!)}`);
    if (t.offset > end) throw new Error(`${file}: tensor "${t.name}" data_offsets ${range(t)} leave a gap after offset ${end - dataStart} (tensors must fill the data area in order)`);
    end = t.offset + t.byteLength;
    previous = t;
  }
  if (end !== dataStart + dataSize) {
    throw new Error(`${file}: ${dataStart + dataSize - end} bytes follow the last tensor's data (data_offsets must end where the file ends)`);
  }
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
