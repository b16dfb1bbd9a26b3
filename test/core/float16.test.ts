import { describe, expect, it } from 'vitest';
import {
  bf16BitsToF32, bf16ToF32Array, f16BitsToF32, f16BitsToF32Bits, f16ToF32Array, f32Bits,
  f32BitsToF16Bits, f32FromBits, f32ToBf16Array, f32ToBf16Bits, f32ToF16Array, f32ToF16Bits,
  roundThroughF16,
} from '../../src/core/float16.ts';

const fround = Math.fround;

/** Independent decode: the IEEE formula, in doubles. */
function f16Formula(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Independent encode: ggml_compute_fp32_to_fp16 (Maratyszcza's float trick), emulated with
 * Math.fround: scaling by 2^112 then 2^-110 and adding a power of two lets the FPU do the
 * rounding.
 */
function f16Maratyszcza(f: number): number {
  let base = fround(fround(Math.abs(f) * 2 ** 112) * 2 ** -110);
  const w = f32Bits(f);
  const shl1 = (w * 2) % 2 ** 32;
  const sign = w & 0x80000000;
  let bias = Math.floor(shl1 / 2 ** 24) * 2 ** 24;
  if (bias < 0x71000000) bias = 0x71000000;
  base = fround(f32FromBits(bias / 2 + 0x07800000) + base);
  const bits = f32Bits(base);
  const nonsign = ((bits >>> 13) & 0x7c00) + (bits & 0x0fff);
  return ((sign >>> 16) | (shl1 > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

describe('fp16', () => {
  it('decodes all 65536 values like the IEEE formula', () => {
    for (let h = 0; h < 65536; h++) {
      const v = f16BitsToF32(h);
      const ref = f16Formula(h);
      if (Number.isNaN(ref)) expect(Number.isNaN(v)).toBe(true);
      else if (!Object.is(v, ref)) expect(v, `h=0x${h.toString(16)}`).toBe(ref);
    }
  });

  it('fp16 -> fp32 -> fp16 is the identity for every non-NaN value', () => {
    let checked = 0;
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      const back = f32BitsToF16Bits(f16BitsToF32Bits(h));
      if (back !== h) expect(back, `h=0x${h.toString(16)}`).toBe(h);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
  });

  it('maps NaN to 0x7E00 with the sign kept, as ggml does', () => {
    expect(f32BitsToF16Bits(0x7fc00000)).toBe(0x7e00);
    expect(f32BitsToF16Bits(0xffc00000)).toBe(0xfe00);
    expect(f32BitsToF16Bits(0x7f800001)).toBe(0x7e00);
    expect(f16BitsToF32Bits(0x7e00)).toBe(0x7fc00000);
  });

  it('rounds halfway cases to even, in normals and subnormals', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: even is 1.
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even).
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    // Subnormal halfway: 2.5 * 2^-24 -> 2 * 2^-24; 3.5 * 2^-24 -> 4 * 2^-24.
    expect(f32ToF16Bits(2.5 * 2 ** -24)).toBe(0x0002);
    expect(f32ToF16Bits(3.5 * 2 ** -24)).toBe(0x0004);
    // 2^-25 is halfway between 0 and the smallest subnormal: even is 0; just above rounds up.
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000);
    expect(f32ToF16Bits(-(2 ** -25))).toBe(0x8000);
    expect(f32ToF16Bits(2 ** -25 * (1 + 2 ** -23))).toBe(0x0001);
    // The largest subnormal rounds up into the smallest normal.
    expect(f32ToF16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400);
  });

  it('overflows to infinity from 65520 (the tie above the largest finite half)', () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519.99)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(-1e10)).toBe(0xfc00);
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(1e-30)).toBe(0);
  });

  it('equals ggml_compute_fp32_to_fp16 on edge patterns and a million random floats', () => {
    const patterns: number[] = [];
    for (let e = 0; e < 256; e++) {
      for (const m of [0, 1, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000, 0x7fffff, 0x400000, 0x401000]) {
        patterns.push((e << 23) | m, ((e << 23) | m | 0x80000000) >>> 0);
      }
    }
    let seed = 12345;
    for (let i = 0; i < 1_000_000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      // Mostly exponents around the fp16 range, so ties and subnormals get exercised.
      const e = 90 + (seed % 60);
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      patterns.push(((e << 23) | (seed & 0x807fffff)) >>> 0);
    }
    let mismatches = 0;
    for (const w of patterns) {
      const got = f32BitsToF16Bits(w);
      const ref = f16Maratyszcza(f32FromBits(w));
      if (got !== ref && mismatches++ < 5) expect(got, `bits 0x${w.toString(16)}`).toBe(ref);
    }
    expect(mismatches).toBe(0);
  });

  it('converts arrays exactly as value by value', () => {
    const src = new Float32Array([0, -0, 1, -2.5, 65520, 1e-7, NaN, 3.14159, -65504, 2 ** -24]);
    const h = f32ToF16Array(src);
    expect(Array.from(h)).toEqual(Array.from(src, (v) => f32ToF16Bits(v)));
    const back = new Uint32Array(f16ToF32Array(h).buffer);
    expect(Array.from(back)).toEqual(Array.from(h, (x) => f16BitsToF32Bits(x)));
    expect(roundThroughF16(3.14159)).toBe(3.140625);
  });
});

describe('bf16', () => {
  it('rounds to nearest even on the bits and quiets NaN like ggml', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: even (1).
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    // 1 + 3*2^-8 is halfway between odd 0x3f81 and even 0x3f82.
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(f32ToBf16Bits(-Infinity)).toBe(0xff80);
    // The largest float rounds up to infinity.
    expect(f32ToBf16Bits(3.4028234663852886e38)).toBe(0x7f80);
    // Signalling NaN 0x7f800001 -> (u>>16)|64 = 0x7fc0; negative NaN keeps its sign.
    expect(f32ToBf16Array(new Float32Array(new Uint32Array([0x7f800001, 0xff812345]).buffer))).toEqual(
      new Uint16Array([0x7fc0, 0xffc1]),
    );
  });

  it('decodes exactly and round-trips every non-NaN bf16', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = bf16ToF32Array(all);
    const back = f32ToBf16Array(values);
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (!isNaN && back[h] !== h) expect(back[h], `h=0x${h.toString(16)}`).toBe(h);
    }
    expect(bf16BitsToF32(0x4049)).toBe(3.140625);
    expect(values[0xc000]).toBe(-2);
  });
});
