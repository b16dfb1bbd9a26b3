import { describe, expect, it } from 'vitest';
import { parseSafetensorsHeader, SAFETENSORS_MAX_HEADER_BYTES } from '../../../src/core/safetensors/header.ts';
import { memorySource, safetensorsBytes } from '../../helpers/memory-files.ts';

const UP = 'model.layers.0.mlp.up_proj.weight';
const parse = (bytes: Uint8Array) => parseSafetensorsHeader(memorySource('model.safetensors', bytes));

describe('parseSafetensorsHeader', () => {
  it('returns tensors with absolute offsets and the metadata', async () => {
    const header = {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      b: { dtype: 'BF16', shape: [4], data_offsets: [24, 32] },
      empty: { dtype: 'F16', shape: [0, 5], data_offsets: [32, 32] },
    };
    const bytes = safetensorsBytes(header, 32);
    const h = await parse(bytes);
    const headerLen = JSON.stringify(header).length;
    expect(h.headerByteLength).toBe(headerLen);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.map((t) => [t.name, t.dtype, t.shape, t.offset, t.byteLength])).toEqual([
      ['a', 'F32', [2, 3], 8 + headerLen, 24],
      ['b', 'BF16', [4], 8 + headerLen + 24, 8],
      ['empty', 'F16', [0, 5], 8 + headerLen + 32, 0],
    ]);
  });

  it('reads only the length prefix and the header, never the data', async () => {
    const bytes = safetensorsBytes({ a: { dtype: 'F32', shape: [1000], data_offsets: [0, 4000] } }, 4000);
    const reads: [number, number][] = [];
    const source = memorySource('model.safetensors', bytes);
    const spy = { ...source, read: (o: number, l: number) => (reads.push([o, l]), source.read(o, l)) };
    await parseSafetensorsHeader(spy);
    expect(reads.every(([o, l]) => o + l <= bytes.length - 4000)).toBe(true);
  });

  it('rejects a file shorter than the length prefix', async () => {
    await expect(parse(new Uint8Array(5))).rejects.toThrow(/model\.safetensors: file is truncated \(size 5/);
  });

  it('rejects a header length past the end of the file', async () => {
    const bytes = safetensorsBytes({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4, 10_000);
    await expect(parse(bytes)).rejects.toThrow(/model\.safetensors: header length 10000 runs past the end of the file \(size \d+\)/);
  });

  it('rejects a header length above the limit', async () => {
    const bytes = safetensorsBytes({}, 0, SAFETENSORS_MAX_HEADER_BYTES + 1);
    await expect(parse(bytes)).rejects.toThrow(/exceeds the limit of 100000000 bytes/);
  });

  it('rejects a truncated data area (offsets past the end)', async () => {
    const bytes = safetensorsBytes({ [UP]: { dtype: 'F32', shape: [4, 4], data_offsets: [0, 64] } }, 60);
    await expect(parse(bytes)).rejects.toThrow(
      `model.safetensors: tensor "${UP}": data_offsets [0, 64] run past the end of the file (size ${bytes.length}`,
    );
  });

  it('rejects overlapping tensors, naming both', async () => {
    const bytes = safetensorsBytes({
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [4], data_offsets: [12, 28] },
    }, 28);
    await expect(parse(bytes)).rejects.toThrow(/tensor "b" data_offsets \[12, 28\] overlap tensor "a" \[0, 16\]/);
  });

  it('rejects an unknown dtype', async () => {
    const bytes = safetensorsBytes({ [UP]: { dtype: 'Q4', shape: [2], data_offsets: [0, 2] } }, 2);
    await expect(parse(bytes)).rejects.toThrow(`model.safetensors: tensor "${UP}": unknown dtype "Q4"`);
  });

  it('rejects a shape that does not match the byte length', async () => {
    const bytes = safetensorsBytes({ [UP]: { dtype: 'F16', shape: [3, 4], data_offsets: [0, 16] } }, 16);
    await expect(parse(bytes)).rejects.toThrow(`tensor "${UP}": shape [3, 4] of F16 needs 24 bytes but data_offsets [0, 16] hold 16`);
  });

  it('rejects begin after end', async () => {
    const bytes = safetensorsBytes({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 8);
    await expect(parse(bytes)).rejects.toThrow(/tensor "a": data_offsets \[8, 4\] have begin after end/);
  });

  it('rejects negative or fractional shapes and malformed offsets', async () => {
    await expect(parse(safetensorsBytes({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0))).rejects.toThrow(/tensor "a": shape \[-1\]/);
    await expect(parse(safetensorsBytes({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] } }, 6))).rejects.toThrow(/tensor "a": shape/);
    await expect(parse(safetensorsBytes({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4))).rejects.toThrow(/tensor "a": data_offsets \[0\] must be \[begin, end\]/);
  });

  it('rejects a header that is not a JSON object, and non-string metadata', async () => {
    await expect(parse(safetensorsBytes([1, 2], 0))).rejects.toThrow('model.safetensors: header must be a JSON object');
    const notJson = safetensorsBytes({}, 0);
    notJson[8] = 0x7a; // '{' -> 'z'
    await expect(parse(notJson)).rejects.toThrow(/model\.safetensors: header is not valid UTF-8 JSON/);
    await expect(parse(safetensorsBytes({ __metadata__: { n: 1 } }, 0))).rejects.toThrow(/"__metadata__" entry "n" must be a string/);
  });
});
