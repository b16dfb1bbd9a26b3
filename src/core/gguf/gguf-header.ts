// GGUF v3 header layout: computed from the metadata and the tensor list alone, before any tensor
// data is read, so an export can stream tensors straight to the sink afterwards.
import { GGML_TYPES, rowFitsBlocks, tensorBytes, type GgmlTypeName } from '../ggml-type.ts';
import { ByteWriter } from './byte-writer.ts';
import { GGUF_VALUE_TYPE_IDS, type GgufKv, type GgufValue } from './gguf-value.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp rejects longer tensor names (GGML_MAX_NAME is 64 including the terminator). */
export const GGUF_MAX_TENSOR_NAME = 63;

export interface GgufTensorInfo {
  name: string;
  /** ggml order, ne[0] innermost. */
  ne: readonly number[];
  type: GgmlTypeName;
}

export interface GgufLayout {
  /** Everything before the first tensor's data, padding included. */
  header: Uint8Array;
  /** Byte offset of each tensor's data, relative to the start of the file. */
  tensorOffsets: number[];
  /** Unpadded data bytes of each tensor. */
  tensorSizes: number[];
  /** The whole file, last tensor's padding included. */
  totalBytes: number;
  alignment: number;
}

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/** ggml_n_dims: trailing dimensions of 1 are not written (at least one dimension is). */
function writtenDims(ne: readonly number[]): readonly number[] {
  let n = ne.length;
  while (n > 1 && ne[n - 1] === 1) n--;
  return ne.slice(0, n);
}

const INTEGER_RANGES: Partial<Record<GgufValue['type'], [number, number]>> = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff],
};

/** A number written as a type it does not fit would wrap (or turn infinite) silently: refuse it. */
function checkFits(key: string, type: GgufValue['type'], v: number): void {
  const range = INTEGER_RANGES[type];
  const fits = range ? Number.isInteger(v) && v >= range[0] && v <= range[1] : type !== 'f32' || Number.isFinite(Math.fround(v)) || !Number.isFinite(v);
  if (!fits) throw new Error(`GGUF metadata "${key}": ${v} does not fit ${type}`);
}

/** One scalar of `type` (also an array item). */
function writeScalar(w: ByteWriter, key: string, type: Exclude<GgufValue['type'], 'array'>, v: number | bigint | boolean | string): void {
  if (typeof v === 'number') checkFits(key, type, v);
  switch (type) {
    case 'u8': return w.u8(v as number);
    case 'i8': return w.i8(v as number);
    case 'u16': return w.u16(v as number);
    case 'i16': return w.i16(v as number);
    case 'u32': return w.u32(v as number);
    case 'i32': return w.i32(v as number);
    case 'f32': return w.f32(v as number);
    case 'f64': return w.f64(v as number);
    case 'u64': return w.u64(v as bigint);
    case 'i64': return w.i64(v as bigint);
    case 'bool': return w.u8(v ? 1 : 0);
    case 'string': return w.string(v as string);
    default:
      throw new Error(`GGUF metadata "${key}": unsupported value type ${type as string}`);
  }
}

function writeValue(w: ByteWriter, key: string, value: GgufValue): void {
  if (value.type !== 'array') return writeScalar(w, key, value.type, value.value);
  w.i32(GGUF_VALUE_TYPE_IDS[value.itemType]);
  const items = value.value as ArrayLike<number | bigint | boolean | string>;
  w.u64(items.length);
  for (let i = 0; i < items.length; i++) writeScalar(w, `${key}[${i}]`, value.itemType, items[i]!);
}

export function layoutGguf(
  metadata: readonly GgufKv[],
  tensors: readonly GgufTensorInfo[],
  alignment = GGUF_DEFAULT_ALIGNMENT,
): GgufLayout {
  validate(metadata, tensors, alignment);
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.i64(tensors.length);
  w.i64(metadata.length);
  for (const kv of metadata) {
    w.string(kv.key);
    w.i32(GGUF_VALUE_TYPE_IDS[kv.value.type]);
    writeValue(w, kv.key, kv.value);
  }
  const tensorSizes = tensors.map((t) => tensorBytes(t.type, t.ne) as number);
  let relative = 0;
  const relativeOffsets: number[] = [];
  for (const [i, t] of tensors.entries()) {
    const dims = writtenDims(t.ne);
    w.string(t.name);
    w.u32(dims.length);
    for (const d of dims) w.i64(d);
    w.i32(GGML_TYPES[t.type].id);
    w.u64(relative);
    relativeOffsets.push(relative);
    relative += alignUp(tensorSizes[i]!, alignment);
  }
  const dataStart = alignUp(w.size, alignment);
  w.zeros(dataStart - w.size);
  return {
    header: w.finish(),
    tensorOffsets: relativeOffsets.map((o) => dataStart + o),
    tensorSizes,
    totalBytes: dataStart + relative,
    alignment,
  };
}

function validate(metadata: readonly GgufKv[], tensors: readonly GgufTensorInfo[], alignment: number): void {
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new Error(`GGUF alignment ${alignment} is not a power of two`);
  }
  const keys = new Set<string>();
  for (const kv of metadata) {
    if (!kv.key) throw new Error('GGUF metadata: empty key');
    if (keys.has(kv.key)) throw new Error(`GGUF metadata: duplicate key "${kv.key}"`);
    keys.add(kv.key);
  }
  const alignmentKv = metadata.find((kv) => kv.key === 'general.alignment');
  if (alignmentKv && (alignmentKv.value.type !== 'u32' || alignmentKv.value.value !== alignment)) {
    throw new Error(`GGUF metadata: general.alignment must be a u32 equal to ${alignment}`);
  }
  const names = new Set<string>();
  for (const t of tensors) {
    if (t.name.length === 0 || new TextEncoder().encode(t.name).length > GGUF_MAX_TENSOR_NAME) {
      throw new Error(`GGUF tensor "${t.name}": name must be 1 to ${GGUF_MAX_TENSOR_NAME} bytes`);
    }
    if (names.has(t.name)) throw new Error(`GGUF tensor "${t.name}": duplicate name`);
    names.add(t.name);
    if (t.ne.length < 1 || t.ne.length > 4 || t.ne.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`GGUF tensor "${t.name}": invalid shape [${t.ne.join(', ')}]`);
    }
    if (!rowFitsBlocks(t.type, t.ne[0]!)) {
      throw new Error(
        `GGUF tensor "${t.name}": row length ${t.ne[0]} is not a multiple of ${t.type}'s block size ${GGML_TYPES[t.type].blockSize}`,
      );
    }
  }
}
