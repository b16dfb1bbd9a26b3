// A deliberately plain per-element decoder of the low-bit i-quant layouts, written from the format
// description (not from the block-wise production decoder), to cross-check iq-dequantize.ts.
import { f16BitsToF32 } from '../../../../src/core/float16.ts';
import { iqGrid, type IqGridName } from '../../../../src/core/quant/iq/iq-grids.ts';
import type { LowBitIqType } from '../../../../src/core/quant/iq/iq-tables.ts';

const fround = Math.fround;
const u8 = (b: Uint8Array, o: number): number => b[o]!;
const u16 = (b: Uint8Array, o: number): number => b[o]! + 256 * b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => u16(b, o) + 65536 * u16(b, o + 2);
const bit = (v: number, i: number): number => Math.floor(v / 2 ** i) % 2;
const bitsOf = (v: number, from: number, count: number): number => Math.floor(v / 2 ** from) % 2 ** count;

/** Coordinate k of grid point p, from the published packed list. */
function level(name: IqGridName, p: number, k: number): number {
  const g = iqGrid(name);
  return bitsOf(g.packed[p]!, g.bits * k, g.bits);
}

const V2 = [8, 25, 43];
const V3XXS = [4, 12, 20, 28, 36, 44, 52, 62];

/** Sign of bit j of a 7-bit pattern extended to 8 bits with even parity. */
function sign7(pattern: number, j: number): number {
  let ones = 0;
  for (let i = 0; i < 7; i++) ones += bit(pattern, i);
  const b = j < 7 ? bit(pattern, j) : ones % 2;
  return b ? -1 : 1;
}

function element(type: LowBitIqType, blk: Uint8Array, o: number, e: number): number {
  const ib32 = Math.floor(e / 32);
  const g8 = Math.floor(e / 8);
  const j = e % 8;
  switch (type) {
    case 'IQ2_XXS': {
      const d = f16BitsToF32(u16(blk, o));
      const w1 = u32(blk, o + 2 + 8 * ib32 + 4);
      const db = fround(fround(d * (0.5 + bitsOf(w1, 28, 4))) * 0.25);
      const p = u8(blk, o + 2 + 8 * ib32 + (g8 % 4));
      return sign7(bitsOf(w1, 7 * (g8 % 4), 7), j) * fround(db * V2[level('iq2xxs', p, j)]!);
    }
    case 'IQ2_XS': {
      const d = f16BitsToF32(u16(blk, o));
      const code = u16(blk, o + 2 + 2 * g8);
      const s = bitsOf(u8(blk, o + 66 + ib32), 4 * (Math.floor(e / 16) % 2), 4);
      const db = fround(fround(d * (0.5 + s)) * 0.25);
      return sign7(bitsOf(code, 9, 7), j) * fround(db * V2[level('iq2xs', code % 512, j)]!);
    }
    case 'IQ2_S': {
      const d = f16BitsToF32(u16(blk, o));
      const p = u8(blk, o + 2 + g8) + 256 * bitsOf(u8(blk, o + 66 + ib32), 2 * (g8 % 4), 2);
      const s = bitsOf(u8(blk, o + 74 + ib32), 4 * (Math.floor(e / 16) % 2), 4);
      const db = fround(fround(d * (0.5 + s)) * 0.25);
      const neg = bit(u8(blk, o + 34 + g8), j);
      return (neg ? -1 : 1) * fround(db * V2[level('iq2s', p, j)]!);
    }
    case 'IQ3_XXS': {
      const d = f16BitsToF32(u16(blk, o));
      const w = u32(blk, o + 66 + 4 * ib32);
      const db = fround(fround(d * (0.5 + bitsOf(w, 28, 4))) * 0.5);
      const p = u8(blk, o + 2 + Math.floor(e / 4));
      return sign7(bitsOf(w, 7 * (g8 % 4), 7), j) * fround(db * V3XXS[level('iq3xxs', p, e % 4)]!);
    }
    case 'IQ3_S': {
      const d = f16BitsToF32(u16(blk, o));
      const g4 = Math.floor(e / 4);
      const p = u8(blk, o + 2 + g4) + 256 * bit(u8(blk, o + 66 + Math.floor(g4 / 8)), g4 % 8);
      const s = bitsOf(u8(blk, o + 106 + Math.floor(ib32 / 2)), 4 * (ib32 % 2), 4);
      const db = fround(d * (1 + 2 * s));
      const neg = bit(u8(blk, o + 74 + g8), j);
      return (neg ? -1 : 1) * fround(db * (2 * level('iq3s', p, e % 4) + 1));
    }
    case 'IQ1_S': {
      const d = f16BitsToF32(u16(blk, o));
      const qh = u16(blk, o + 34 + 2 * ib32);
      const p = u8(blk, o + 2 + g8) + 256 * bitsOf(qh, 3 * (g8 % 4), 3);
      const dl = fround(d * (2 * bitsOf(qh, 12, 3) + 1));
      const delta = bit(qh, 15) ? -0.125 : 0.125;
      return fround(dl * (level('iq1s', p, j) - 1 + delta));
    }
    case 'IQ1_M': {
      const sc = (i: number): number => u16(blk, o + 48 + 2 * i);
      const dBits = bitsOf(sc(0), 12, 4) + 16 * bitsOf(sc(1), 12, 4) + 256 * bitsOf(sc(2), 12, 4) + 4096 * bitsOf(sc(3), 12, 4);
      const d = f16BitsToF32(dBits);
      const ib16 = Math.floor(e / 16);
      const s = bitsOf(sc(Math.floor(ib16 / 4)), 3 * (ib16 % 4), 3);
      const nibble = bitsOf(u8(blk, o + 32 + ib16), 4 * (g8 % 2), 4);
      const p = u8(blk, o + g8) + 256 * (nibble % 8);
      const delta = nibble >= 8 ? -0.125 : 0.125;
      return fround(fround(d * (2 * s + 1)) * (level('iq1s', p, j) - 1 + delta));
    }
  }
}

export function decodePlain(type: LowBitIqType, bytes: Uint8Array, blockBytes: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = element(type, bytes, Math.floor(i / 256) * blockBytes, i % 256);
  return out;
}
