import { describe, expect, it } from 'vitest';
import { encodeJsonHeaderArrays, readJsonHeaderArrays } from './json-header-arrays.ts';

describe('JSON header and float32 arrays', () => {
  it('pads the header to 4 bytes and reads the arrays back in order', () => {
    const bytes = encodeJsonHeaderArrays({ a: 1 }, [Float32Array.of(1.5, -2), Float32Array.of(0.25)]);
    // 4 (length) + 7 ('{"a":1}') = 11, padded to 12; then 3 floats.
    expect(bytes.length).toBe(12 + 12);
    const r = readJsonHeaderArrays(bytes, 'ckpt');
    expect(r.header).toEqual({ a: 1 });
    expect(r.take(2, 'first')).toEqual(Float32Array.of(1.5, -2));
    expect(r.take(1, 'second')).toEqual(Float32Array.of(0.25));
    expect(() => r.expectEnd()).not.toThrow();
  });

  it('names the checkpoint and the field when bytes are missing or left over', () => {
    const bytes = encodeJsonHeaderArrays({}, [Float32Array.of(1, 2)]);
    expect(() => readJsonHeaderArrays(new Uint8Array(3), 'ckpt A')).toThrow(/ckpt A: too short/);
    expect(() => readJsonHeaderArrays(bytes, 'ckpt B').take(3, 'hidden')).toThrow(/ckpt B: hidden runs past the end/);
    const r = readJsonHeaderArrays(bytes, 'ckpt C');
    r.take(1, 'hidden');
    expect(() => r.expectEnd()).toThrow(/ckpt C: 4 bytes after the last array/);
    const broken = bytes.slice();
    broken[4] = 0x7b + 1;
    expect(() => readJsonHeaderArrays(broken, 'ckpt D')).toThrow(/ckpt D: the header is not JSON/);
  });
});
