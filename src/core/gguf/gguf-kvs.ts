// A GGUF file's metadata as the key-value list our writer takes, in the file's order and with
// each value's own on-disk type, so that a file re-written from it (llama-quantize's
// requantization copies every key) holds the same bytes. read-gguf.ts has already checked the
// header with @huggingface/gguf; its strings are not byte-faithful (its TextDecoder drops a
// leading U+FEFF, which is a token of some vocabularies), so the keys are decoded here from the
// header's bytes, strings with the BOM kept.
import type { ByteSource } from '../bytes-io.ts';
import type { GgufInfo } from './read-gguf.ts';
import type { GgufKv, GgufScalarType, GgufValue } from './gguf-value.ts';

/** GGUF value type ids (gguf.h's gguf_type) -> our names. */
const TYPE_NAMES: Record<number, GgufScalarType | 'array'> = {
  0: 'u8', 1: 'i8', 2: 'u16', 3: 'i16', 4: 'u32', 5: 'i32', 6: 'f32', 7: 'bool', 8: 'string', 9: 'array', 10: 'u64', 11: 'i64', 12: 'f64',
};

class HeaderReader {
  private at = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
  constructor(private readonly bytes: Uint8Array, private readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): number {
    if (this.at + n > this.bytes.length) throw new Error(`${this.file}: metadata ${what} runs past the header`);
    const at = this.at;
    this.at += n;
    return at;
  }

  skip(n: number): void {
    this.need(n, 'preamble');
  }

  u64(what: string): number {
    const v = this.view.getBigUint64(this.need(8, what), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${this.file}: metadata ${what}: length ${v} is impossible`);
    return Number(v);
  }

  i32(what: string): number {
    return this.view.getInt32(this.need(4, what), true);
  }

  string(what: string): string {
    const length = this.u64(what);
    const at = this.need(length, what);
    try {
      return this.decoder.decode(this.bytes.subarray(at, at + length));
    } catch {
      throw new Error(`${this.file}: metadata ${what}: a string that is not valid UTF-8`);
    }
  }

  scalar(type: GgufScalarType, what: string): number | bigint | boolean | string {
    const v = this.view;
    switch (type) {
      case 'u8': return v.getUint8(this.need(1, what));
      case 'i8': return v.getInt8(this.need(1, what));
      case 'u16': return v.getUint16(this.need(2, what), true);
      case 'i16': return v.getInt16(this.need(2, what), true);
      case 'u32': return v.getUint32(this.need(4, what), true);
      case 'i32': return v.getInt32(this.need(4, what), true);
      case 'f32': return v.getFloat32(this.need(4, what), true);
      case 'f64': return v.getFloat64(this.need(8, what), true);
      case 'u64': return v.getBigUint64(this.need(8, what), true);
      case 'i64': return v.getBigInt64(this.need(8, what), true);
      case 'bool': return v.getUint8(this.need(1, what)) !== 0;
      case 'string': return this.string(what);
    }
  }
}

function typeName(id: number, where: string): GgufScalarType | 'array' {
  const type = TYPE_NAMES[id];
  if (!type) throw new Error(`${where}: unknown value type ${id}`);
  return type;
}

function readValue(r: HeaderReader, type: GgufScalarType | 'array', where: string): GgufValue {
  if (type !== 'array') return { type, value: r.scalar(type, where) } as GgufValue;
  const itemType = typeName(r.i32(where), where);
  if (itemType === 'array') throw new Error(`${where}: an array of arrays (llama.cpp's GGUF writer cannot copy nested arrays)`);
  const count = r.u64(where);
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) items.push(r.scalar(itemType, where));
  return { type: 'array', itemType, value: items } as GgufValue;
}

/** Every key of the file, in order, typed as stored. */
export async function readGgufKvs(source: ByteSource, info: GgufInfo): Promise<GgufKv[]> {
  const end = info.parsed.tensorInfoByteRange[0];
  const r = new HeaderReader(await source.read(0, end), source.name);
  r.skip(8); // magic, version
  r.u64('tensor count');
  const count = r.u64('key count');
  const kvs: GgufKv[] = [];
  for (let i = 0; i < count; i++) {
    const key = r.string(`key ${i}`);
    const where = `${source.name}: metadata "${key}"`;
    kvs.push({ key, value: readValue(r, typeName(r.i32(where), where), where) });
  }
  return kvs;
}
