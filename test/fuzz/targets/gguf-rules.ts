// An independent reading of a GGUF file by the rules llama.cpp's gguf loader applies (gguf.cpp:
// gguf_init_from_file_impl), written from the format's description, not from the project's reader:
// little-endian version 2 or 3, no duplicate keys, general.alignment a power of two, tensor names
// unique and shorter than 64 bytes, at most 4 dimensions, a known type whose block size divides
// ne[0], offsets exactly where the previous tensor's padded data ends, and the data inside the file.
const TYPE_SIZES = new Map<number, [block: number, bytes: number]>([
  [0, [1, 4]], [1, [1, 2]], [30, [1, 2]], [2, [32, 18]], [3, [32, 20]], [6, [32, 22]], [7, [32, 24]], [8, [32, 34]], [9, [32, 36]],
  [10, [256, 84]], [11, [256, 110]], [12, [256, 144]], [13, [256, 176]], [14, [256, 210]], [15, [256, 292]],
  [16, [256, 66]], [17, [256, 74]], [22, [256, 82]], [18, [256, 98]], [21, [256, 110]], [19, [256, 50]], [29, [256, 56]],
  [20, [32, 18]], [23, [256, 136]], [34, [256, 54]], [35, [256, 66]], [39, [32, 17]],
]);
const SCALAR_BYTES = new Map<number, number>([[0, 1], [1, 1], [2, 2], [3, 2], [4, 4], [5, 4], [6, 4], [7, 1], [10, 8], [11, 8], [12, 8]]);
const STRING = 8;
const ARRAY = 9;
const MAX_NAME = 64;

class Reader {
  at = 0;
  constructor(readonly view: DataView) {}
  need(n: number): void {
    if (this.at + n > this.view.byteLength) throw new Error(`ends at ${this.at} inside a ${n}-byte field`);
  }
  u32(): number { this.need(4); const v = this.view.getUint32(this.at, true); this.at += 4; return v; }
  i32(): number { this.need(4); const v = this.view.getInt32(this.at, true); this.at += 4; return v; }
  u64(): bigint { this.need(8); const v = this.view.getBigUint64(this.at, true); this.at += 8; return v; }
  i64(): bigint { this.need(8); const v = this.view.getBigInt64(this.at, true); this.at += 8; return v; }
  bytes(n: bigint): Uint8Array {
    if (n > BigInt(this.view.byteLength - this.at)) throw new Error(`a length of ${n} runs past the end`);
    const out = new Uint8Array(this.view.buffer, this.view.byteOffset + this.at, Number(n));
    this.at += Number(n);
    return out;
  }
  string(): string { return new TextDecoder().decode(this.bytes(this.u64())); }
  skipValue(type: number): unknown {
    if (type === STRING) return this.string();
    const size = SCALAR_BYTES.get(type);
    if (size !== undefined) {
      this.need(size);
      const v = type === 4 ? this.view.getUint32(this.at, true) : type === 5 ? this.view.getInt32(this.at, true) : undefined;
      this.at += size;
      return v;
    }
    if (type !== ARRAY) throw new Error(`value type ${type} is not a GGUF type`);
    const itemType = this.i32();
    const count = this.u64();
    if (itemType === ARRAY) throw new Error('nested arrays');
    if (itemType === STRING) { for (let i = 0n; i < count; i++) this.string(); return undefined; }
    const item = SCALAR_BYTES.get(itemType);
    if (item === undefined) throw new Error(`array item type ${itemType} is not a GGUF type`);
    this.bytes(count * BigInt(item));
    return undefined;
  }
}

/** Why llama.cpp would refuse these bytes as a GGUF file, or null when it would load them. */
export function ggufRuleViolation(bytes: Uint8Array): string | null {
  const r = new Reader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    if (new TextDecoder().decode(r.bytes(4n)) !== 'GGUF') return 'magic is not GGUF';
    const version = r.u32();
    if ((version & 0xffff) === 0) return 'big-endian file';
    if (version !== 2 && version !== 3) return `version ${version}`;
    const nTensors = r.i64();
    const nKv = r.i64();
    if (nTensors < 0n || nKv < 0n) return 'negative counts';
    const keys = new Set<string>();
    let alignment = 32;
    for (let i = 0n; i < nKv; i++) {
      const key = r.string();
      if (keys.has(key)) return `duplicate key ${key}`;
      keys.add(key);
      const type = r.i32();
      const value = r.skipValue(type);
      if (key === 'general.alignment') {
        if (type !== 4 || typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) return 'general.alignment is not a power-of-two u32';
        alignment = value;
      }
    }
    const names = new Set<string>();
    let expected = 0n;
    const pad = (n: bigint) => ((n + BigInt(alignment) - 1n) / BigInt(alignment)) * BigInt(alignment);
    for (let i = 0n; i < nTensors; i++) {
      const name = r.string();
      if (new TextEncoder().encode(name).length >= MAX_NAME) return `tensor name of ${name.length} characters`;
      if (names.has(name)) return `duplicate tensor ${name}`;
      names.add(name);
      const nDims = r.u32();
      if (nDims > 4) return `${nDims} dimensions`;
      const ne: bigint[] = [];
      for (let d = 0; d < nDims; d++) ne.push(r.i64());
      if (ne.some((n) => n < 0n)) return 'negative dimension';
      const type = r.i32();
      const size = TYPE_SIZES.get(type);
      if (!size) return `tensor type ${type}`;
      if ((ne[0] ?? 1n) % BigInt(size[0]) !== 0n) return 'ne[0] not a multiple of the block size';
      const offset = r.u64();
      if (offset !== expected) return `tensor ${name} at offset ${offset}, expected ${expected}`;
      const elements = ne.reduce((a, b) => a * b, 1n);
      expected = pad(expected + (elements / BigInt(size[0])) * BigInt(size[1]));
    }
    const dataStart = pad(BigInt(r.at));
    if (dataStart + expected > BigInt(bytes.length)) return 'tensor data past the end of the file';
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
