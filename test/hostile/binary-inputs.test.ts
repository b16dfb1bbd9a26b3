// One minimal reproducer for each kind of defect the fuzzing found in the binary formats: each
// once hung, allocated without bound, threw an engine error, or was accepted though llama.cpp (or
// the safetensors reference) refuses it. Each must now end in an error naming the file and field.
import { describe, expect, it } from 'vitest';
import { layoutGguf } from '../../src/core/gguf/gguf-header.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { imatrixGgufBytes } from '../../src/core/imatrix/write-imatrix-gguf.ts';
import { readImatrix } from '../../src/core/imatrix/read-imatrix.ts';
import { parseSafetensorsHeader } from '../../src/core/safetensors/header.ts';
import { memorySource, safetensorsBytes } from '../helpers/memory-files.ts';

function i32s(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setInt32(i * 4, v, true));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const name = new TextEncoder().encode('blk.0.attn_q.weight');
const oneEntry = (nameBytes: Uint8Array) => concat(i32s(1, nameBytes.length), nameBytes, i32s(1, 2), new Uint8Array(8));

describe('legacy .dat imatrix', () => {
  it('refuses a negative name length, which walked the reader backwards forever (a hang)', async () => {
    const bytes = concat(i32s(1, -8), new Uint8Array(32));
    await expect(readImatrix(memorySource('im.dat', bytes))).rejects.toThrow(/^im\.dat: entry 1's name length -8 is not a tensor name's \(1 to 63 bytes\)$/);
  });
  it('refuses an entry count the file cannot hold before looping over it', async () => {
    const started = performance.now();
    await expect(readImatrix(memorySource('im.dat', concat(i32s(0x7fffffff), oneEntry(name))))).rejects.toThrow(/^im\.dat: entry count 2147483647 does not fit the file's \d+ bytes$/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
  it('refuses names that are no tensor name: NUL inside, not UTF-8, longer than ggml allows', async () => {
    await expect(readImatrix(memorySource('im.dat', oneEntry(new Uint8Array([0x61, 0, 0x62]))))).rejects.toThrow(/im\.dat: entry 1's name contains a NUL byte/);
    await expect(readImatrix(memorySource('im.dat', oneEntry(new Uint8Array([0xff, 0xfe]))))).rejects.toThrow(/im\.dat: entry 1's name is not UTF-8/);
    await expect(readImatrix(memorySource('im.dat', oneEntry(new Uint8Array(64).fill(0x61))))).rejects.toThrow(/name length 64/);
  });
  it('refuses bytes after the dataset name instead of ignoring them', async () => {
    const dataset = new TextEncoder().encode('wiki.txt');
    const bytes = concat(oneEntry(name), i32s(10, dataset.length), dataset, new Uint8Array(3));
    await expect(readImatrix(memorySource('im.dat', bytes))).rejects.toThrow(/dataset name length 8 does not match the 11 bytes left/);
    const good = await readImatrix(memorySource('im.dat', concat(oneEntry(name), i32s(10, dataset.length), dataset)));
    expect(good.datasets).toEqual(['wiki.txt']);
    expect(good.chunkCount).toBe(10);
  });
});

describe('GGUF files (imatrix and model)', () => {
  const stats = { entries: new Map([['blk.0.attn_q.weight', { sums: new Float32Array(32).fill(4), count: 2 }]]), chunkCount: 1, chunkSize: 64 } as Parameters<typeof imatrixGgufBytes>[0];

  it('refuses a tensor whose data offset is not where llama.cpp expects it', async () => {
    const bytes = imatrixGgufBytes(stats, ['x.txt']);
    // The counts tensor follows the 128 bytes of sums: its info's u64 offset is the only 128 in the file.
    const view = new DataView(bytes.buffer);
    let patched = false;
    for (let at = bytes.length - 8; at > 24 && !patched; at--) {
      if (view.getBigUint64(at, true) === 128n) { view.setBigUint64(at, 160n, true); patched = true; }
    }
    expect(patched).toBe(true);
    await expect(readImatrix(memorySource('im.gguf', bytes))).rejects.toThrow(/^im\.gguf: tensor "blk\.0\.attn_q\.weight\.counts": data at offset 160, where llama\.cpp expects 128/);
  });
  it('refuses a big-endian file instead of reading it as little-endian', async () => {
    const bytes = imatrixGgufBytes(stats, ['x.txt']);
    new DataView(bytes.buffer).setUint32(4, 3, false);
    await expect(readGgufInfo(memorySource('m.gguf', bytes))).rejects.toThrow(/^m\.gguf: a big-endian GGUF file/);
  });
  it('names a truncated header instead of passing on the engine\'s DataView error', async () => {
    const bytes = imatrixGgufBytes(stats, ['x.txt']).slice(0, 60);
    const error = await readGgufInfo(memorySource('m.gguf', bytes)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^m\.gguf: cannot parse GGUF \(the header ends inside a field/);
    expect((error as Error).message).not.toMatch(/DataView|Offset is outside/);
  });
  it('refuses tensor data that runs past the end of the file', async () => {
    const bytes = imatrixGgufBytes(stats, ['x.txt']);
    await expect(readGgufInfo(memorySource('m.gguf', bytes.slice(0, bytes.length - 40)))).rejects.toThrow(/^m\.gguf: the tensor data needs \d+ bytes, the file has \d+/);
  });
  it('refuses a key that appears twice', async () => {
    const layout = layoutGguf([{ key: 'a.b', value: { type: 'u32', value: 1 } }, { key: 'a.c', value: { type: 'u32', value: 2 } }], []);
    const bytes = layout.header.slice();
    const c = bytes.indexOf(0x63, 24); // rename "a.c" to "a.b"
    bytes[c] = 0x62;
    await expect(readGgufInfo(memorySource('m.gguf', bytes))).rejects.toThrow(/^m\.gguf: 2 metadata keys declared, 1 distinct/);
  });
});

describe('safetensors', () => {
  it('refuses bytes after the last tensor, as the safetensors reference does', async () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    await expect(parseSafetensorsHeader(memorySource('m.safetensors', safetensorsBytes(header, 12)))).rejects.toThrow(/^m\.safetensors: 4 bytes follow the last tensor's data/);
  });
  it('refuses a gap between tensors', async () => {
    const header = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    await expect(parseSafetensorsHeader(memorySource('m.safetensors', safetensorsBytes(header, 12)))).rejects.toThrow(/^m\.safetensors: tensor "b" data_offsets \[8, 12\] leave a gap after offset 4/);
  });
});
