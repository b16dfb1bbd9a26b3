// ggml's dequantize_row_iq* for the low-bit i-quants, float32 math as in C (each product rounded
// once). Layouts are described in the quantizer files (iq2-xxs.ts, ..., iq1-m.ts).
import { f16ToF32Table } from '../../float16.ts';
import { readU32 } from '../block-bytes.ts';
import { iqGridValues, iqSignByte } from './iq-grids.ts';

const fround = Math.fround;
/** IQ1_S / IQ1_M: each group's values are its grid values ± this (the sign in its qh bits). */
const IQ1_DELTA = 0.125;

let signTable: Uint8Array | undefined;
/** ksigns_iq2xs: 7 stored sign bits -> 8 sign bits with even parity. */
function signs8(): Uint8Array {
  if (!signTable) {
    signTable = new Uint8Array(128);
    for (let i = 0; i < 128; i++) signTable[i] = iqSignByte(i);
  }
  return signTable;
}

/** Writes 8 values db*grid[p][j] with sign bit j of `signs` at dst[y..y+8). */
function put8(dst: Float32Array, y: number, db: number, grid: Int8Array, p: number, signs: number): void {
  for (let j = 0; j < 8; j++) {
    const v = fround(db * grid[p * 8 + j]!);
    dst[y + j] = (signs >> j) & 1 ? -v : v;
  }
}

/** The IQ3 layout of put8: 8 values from two 4-value grid points p1 then p2, sign bit j for value j. */
function putTwo4(dst: Float32Array, y: number, db: number, grid: Int8Array, p1: number, p2: number, signs: number): void {
  for (let j = 0; j < 4; j++) {
    const v1 = fround(db * grid[p1 * 4 + j]!);
    const v2 = fround(db * grid[p2 * 4 + j]!);
    dst[y + j] = (signs >> j) & 1 ? -v1 : v1;
    dst[y + 4 + j] = (signs >> (j + 4)) & 1 ? -v2 : v2;
  }
}

export function dequantizeIq2Xxs(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq2xxs');
  const ks = signs8();
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 66;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let ib = 0; ib < 8; ib++) {
      const w1 = readU32(bytes, o + 2 + 8 * ib + 4);
      const db = fround(fround(d * (0.5 + (w1 >>> 28))) * 0.25);
      for (let l = 0; l < 4; l++, y += 8) {
        put8(dst, y, db, grid, bytes[o + 2 + 8 * ib + l]!, ks[(w1 >>> (7 * l)) & 127]!);
      }
    }
  }
}

export function dequantizeIq2Xs(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq2xs');
  const ks = signs8();
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 74;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let ib = 0; ib < 8; ib++) {
      const s = bytes[o + 66 + ib]!;
      const db0 = fround(fround(d * (0.5 + (s & 15))) * 0.25);
      const db1 = fround(fround(d * (0.5 + (s >> 4))) * 0.25);
      for (let l = 0; l < 4; l++, y += 8) {
        const code = bytes[o + 2 + 8 * ib + 2 * l]! | (bytes[o + 3 + 8 * ib + 2 * l]! << 8);
        put8(dst, y, l < 2 ? db0 : db1, grid, code & 511, ks[code >> 9]!);
      }
    }
  }
}

export function dequantizeIq2S(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq2s');
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 82;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let ib = 0; ib < 8; ib++) {
      const s = bytes[o + 74 + ib]!;
      const db0 = fround(fround(d * (0.5 + (s & 15))) * 0.25);
      const db1 = fround(fround(d * (0.5 + (s >> 4))) * 0.25);
      const qh = bytes[o + 66 + ib]!;
      for (let l = 0; l < 4; l++, y += 8) {
        const p = bytes[o + 2 + 4 * ib + l]! | ((qh << (8 - 2 * l)) & 0x300);
        put8(dst, y, l < 2 ? db0 : db1, grid, p, bytes[o + 34 + 4 * ib + l]!);
      }
    }
  }
}

export function dequantizeIq3Xxs(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq3xxs');
  const ks = signs8();
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 98;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let ib = 0; ib < 8; ib++) {
      const w = readU32(bytes, o + 66 + 4 * ib);
      const db = fround(fround(d * (0.5 + (w >>> 28))) * 0.5);
      for (let l = 0; l < 4; l++, y += 8) {
        const signs = ks[(w >>> (7 * l)) & 127]!;
        const p1 = bytes[o + 2 + 8 * ib + 2 * l]!;
        const p2 = bytes[o + 3 + 8 * ib + 2 * l]!;
        putTwo4(dst, y, db, grid, p1, p2, signs);
      }
    }
  }
}

export function dequantizeIq3S(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq3s');
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 110;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let ib = 0; ib < 8; ib++) {
      const s = bytes[o + 106 + (ib >> 1)]!;
      const db = fround(d * (1 + 2 * (ib % 2 === 0 ? s & 15 : s >> 4)));
      const qh = bytes[o + 66 + ib]!;
      for (let l = 0; l < 4; l++, y += 8) {
        const signs = bytes[o + 74 + 4 * ib + l]!;
        const p1 = bytes[o + 2 + 8 * ib + 2 * l]! | ((qh << (8 - 2 * l)) & 256);
        const p2 = bytes[o + 3 + 8 * ib + 2 * l]! | ((qh << (7 - 2 * l)) & 256);
        putTwo4(dst, y, db, grid, p1, p2, signs);
      }
    }
  }
}

export function dequantizeIq1S(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq1s');
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 50;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let ib = 0; ib < 8; ib++) {
      const qh = bytes[o + 34 + 2 * ib]! | (bytes[o + 35 + 2 * ib]! << 8);
      const dl = fround(d * (2 * ((qh >> 12) & 7) + 1));
      const delta = qh & 0x8000 ? -IQ1_DELTA : IQ1_DELTA;
      for (let l = 0; l < 4; l++, y += 8) {
        const p = bytes[o + 2 + 4 * ib + l]! | (((qh >> (3 * l)) & 7) << 8);
        for (let j = 0; j < 8; j++) dst[y + j] = fround(dl * (grid[p * 8 + j]! + delta));
      }
    }
  }
}

export function dequantizeIq1M(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const grid = iqGridValues('iq1s');
  for (let b = 0, y = 0; y < dst.length; b++) {
    const o = b * 56;
    const sc = (i: number): number => bytes[o + 48 + 2 * i]! | (bytes[o + 49 + 2 * i]! << 8);
    const dBits = (sc(0) >> 12) | ((sc(1) >> 8) & 0x00f0) | ((sc(2) >> 4) & 0x0f00) | (sc(3) & 0xf000);
    const d = f16[dBits]!;
    for (let ib = 0; ib < 8; ib++) {
      const s = sc(ib >> 1) >> (6 * (ib % 2));
      const dl1 = fround(d * (2 * (s & 7) + 1));
      const dl2 = fround(d * (2 * ((s >> 3) & 7) + 1));
      const qh0 = bytes[o + 32 + 2 * ib]!;
      const qh1 = bytes[o + 33 + 2 * ib]!;
      for (let l = 0; l < 4; l++, y += 8) {
        // Group l: index high bits and delta sign in the low (even l) or high nibble of qh byte l>>1.
        const qh = l < 2 ? qh0 : qh1;
        const nibble = l % 2 === 0 ? qh & 15 : qh >> 4;
        const p = bytes[o + 4 * ib + l]! | ((nibble & 7) << 8);
        const dl = l < 2 ? dl1 : dl2;
        const delta = nibble & 8 ? -IQ1_DELTA : IQ1_DELTA;
        for (let j = 0; j < 8; j++) dst[y + j] = fround(dl * (grid[p * 8 + j]! + delta));
      }
    }
  }
}
