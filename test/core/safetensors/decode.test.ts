import { describe, expect, it } from 'vitest';
import { decodeBF16, decodeF16, decodeF32, decodeF64, decodeToF32 } from '../../../src/core/safetensors/decode.ts';

/** Bytes at an odd offset inside a larger buffer: the decoders must not need alignment. */
function unaligned(bytes: Uint8Array): Uint8Array {
  const host = new Uint8Array(bytes.length + 3);
  host.set(bytes, 1);
  return host.subarray(1, 1 + bytes.length);
}

describe('safetensors float decoders', () => {
  it('F32 reads little-endian values from unaligned bytes', () => {
    const values = [1.5, -0, Number.POSITIVE_INFINITY, 3.4028234663852886e38, 1e-45];
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    const out = decodeF32(unaligned(b));
    expect(Array.from(out)).toEqual(values.map(Math.fround));
    expect(Object.is(out[1], -0)).toBe(true);
  });

  it('F16 widens every one of the 65536 halves exactly (as Math.f16round/DataView.getFloat16 define)', () => {
    const b = new Uint8Array(65536 * 2);
    for (let h = 0; h < 65536; h++) { b[2 * h] = h & 255; b[2 * h + 1] = h >> 8; }
    const out = decodeF16(unaligned(b));
    const outBits = new Uint32Array(out.buffer);
    for (let h = 0; h < 65536; h++) {
      const sign = h >> 15 ? -1 : 1;
      const exp = (h >> 10) & 31;
      const mant = h & 1023;
      if (exp === 31) {
        if (mant === 0) expect(out[h]).toBe(sign * Infinity);
        else expect(outBits[h]).toBe(((h & 0x8000) << 16 | 0x7f800000 | (mant << 13)) >>> 0); // payload kept
        continue;
      }
      const expected = exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
      if (!Object.is(out[h], expected)) throw new Error(`half 0x${h.toString(16)}: got ${out[h]}, expected ${expected}`);
    }
  });

  it('BF16 is the top half of a float32', () => {
    const floats = new Float32Array([1, -2.5, 3.140625, -0, 1e30]);
    const bits = new Uint32Array(floats.buffer);
    const b = new Uint8Array(floats.length * 2);
    bits.forEach((u, i) => { b[2 * i] = (u >>> 16) & 255; b[2 * i + 1] = u >>> 24; });
    const out = decodeBF16(unaligned(b));
    expect(Array.from(new Uint32Array(out.buffer))).toEqual(Array.from(bits, (u) => (u & 0xffff0000) >>> 0));
  });

  it('F64 rounds to the nearest float32', () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setFloat64(0, 0.1, true);
    new DataView(b.buffer).setFloat64(8, -1e300, true);
    expect(Array.from(decodeF64(unaligned(b)))).toEqual([Math.fround(0.1), -Infinity]);
  });

  it('refuses non-float dtypes and partial elements, naming the tensor', () => {
    expect(() => decodeToF32(new Uint8Array(4), 'I32', 'x.safetensors: tensor "t"')).toThrow('x.safetensors: tensor "t": dtype I32 cannot be decoded');
    expect(() => decodeToF32(new Uint8Array(3), 'F16', 'tensor "t"')).toThrow('tensor "t": 3 bytes is not a whole number of 2-byte elements');
  });
});
