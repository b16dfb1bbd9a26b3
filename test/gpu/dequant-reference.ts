// Straightforward readers of the golden blocks for the types core/quant has no dequantizer for
// yet, written from ggml's dequantize_row_* (float32 rounding after every operation).
import { GGML_TYPES, type GgmlTypeName } from '../../src/core/ggml-type.ts';

const f = Math.fround;
const IQ4 = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
const MXFP4 = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

function half(b: Uint8Array, o: number): number {
  const h = b[o]! | (b[o + 1]! << 8);
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31, m = h & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e ? s * (1 + m / 1024) * 2 ** (e - 15) : s * m * 2 ** -24;
}
const i8 = (v: number) => (v << 24) >> 24;

type Decode = (b: Uint8Array, o: number, y: Float32Array, p: number) => void;

const DECODERS: Partial<Record<GgmlTypeName, Decode>> = {
  Q2_K(b, o, y, p) {
    const d = half(b, o + 80), dmin = half(b, o + 82);
    for (let j = 0; j < 256; j++) {
      const h = j >> 7, r = j & 127, l = r & 31, g = r >> 5;
      const sc = b[o + 8 * h + 2 * g + (l >> 4)]!;
      const q = (b[o + 16 + 32 * h + l]! >> (2 * g)) & 3;
      y[p + j] = f(f(f(d * (sc & 15)) * q) - f(dmin * (sc >> 4)));
    }
  },
  Q3_K(b, o, y, p) {
    const d = half(b, o + 108);
    for (let j = 0; j < 256; j++) {
      const h = j >> 7, r = j & 127, l = r & 31, g = r >> 5, is = 8 * h + 2 * g + (l >> 4);
      let s = is < 8 ? b[o + 96 + is]! & 15 : b[o + 96 + is - 8]! >> 4;
      s |= ((b[o + 104 + (is % 4)]! >> (2 * (is >> 2))) & 3) << 4;
      const q = ((b[o + 32 + 32 * h + l]! >> (2 * g)) & 3) - (b[o + l]! & (1 << (4 * h + g)) ? 0 : 4);
      y[p + j] = f(f(d * (s - 32)) * q);
    }
  },
  Q4_K: (b, o, y, p) => decodeQ45K(b, o, y, p, false),
  Q5_K: (b, o, y, p) => decodeQ45K(b, o, y, p, true),
  Q6_K(b, o, y, p) {
    const d = half(b, o + 208);
    for (let j = 0; j < 256; j++) {
      const h = j >> 7, r = j & 127, l = r & 31, k = r >> 5;
      const ql = b[o + 64 * h + l + (k & 1 ? 32 : 0)]!;
      const q = ((k >= 2 ? ql >> 4 : ql & 15) | (((b[o + 128 + 32 * h + l]! >> (2 * k)) & 3) << 4)) - 32;
      y[p + j] = f(f(d * i8(b[o + 192 + 8 * h + (l >> 4) + 2 * k]!)) * q);
    }
  },
  IQ4_NL(b, o, y, p) {
    const d = half(b, o);
    for (let j = 0; j < 32; j++) y[p + j] = f(d * IQ4[j < 16 ? b[o + 2 + j]! & 15 : b[o + 2 + j - 16]! >> 4]!);
  },
  IQ4_XS(b, o, y, p) {
    const d = half(b, o), sh = b[o + 2]! | (b[o + 3]! << 8);
    for (let j = 0; j < 256; j++) {
      const ib = j >> 5, r = j & 31;
      const ls = ((b[o + 4 + (ib >> 1)]! >> (4 * (ib & 1))) & 15) | (((sh >> (2 * ib)) & 3) << 4);
      const q = r < 16 ? b[o + 8 + 16 * ib + r]! & 15 : b[o + 8 + 16 * ib + r - 16]! >> 4;
      y[p + j] = f(f(d * (ls - 32)) * IQ4[q]!);
    }
  },
  TQ1_0(b, o, y, p) {
    const d = half(b, o + 52);
    const pow3 = [1, 3, 9, 27, 81];
    for (let j = 0; j < 256; j++) {
      const [n, byte] = j < 160 ? [j >> 5, b[o + (j & 31)]!] : j < 240 ? [(j - 160) >> 4, b[o + 32 + ((j - 160) & 15)]!] : [(j - 240) >> 2, b[o + 48 + ((j - 240) & 3)]!];
      const q = (byte * pow3[n]!) & 255;
      y[p + j] = f((((q * 3) >> 8) - 1) * d);
    }
  },
  TQ2_0(b, o, y, p) {
    const d = half(b, o + 64);
    for (let j = 0; j < 256; j++) {
      const h = j >> 7, r = j & 127;
      y[p + j] = f((((b[o + 32 * h + (r & 31)]! >> (2 * (r >> 5))) & 3) - 1) * d);
    }
  },
  MXFP4(b, o, y, p) {
    const e = b[o]!;
    const d = 2 ** (e - 128);
    for (let j = 0; j < 32; j++) y[p + j] = f(MXFP4[j < 16 ? b[o + 1 + j]! & 15 : b[o + 1 + j - 16]! >> 4]! * d);
  },
};

function decodeQ45K(b: Uint8Array, o: number, y: Float32Array, p: number, five: boolean): void {
  const d = half(b, o), dmin = half(b, o + 2);
  const sb = (k: number) => b[o + 4 + k]!;
  for (let j = 0; j < 256; j++) {
    const g = j >> 6, r = j & 63, l = r & 31, is = 2 * g + (r >> 5);
    const [sc, m] = is < 4 ? [sb(is) & 63, sb(is + 4) & 63] : [(sb(is + 4) & 15) | ((sb(is - 4) >> 6) << 4), (sb(is + 4) >> 4) | ((sb(is) >> 6) << 4)];
    const qb = b[o + (five ? 48 : 16) + 32 * g + l]!;
    let q = r >= 32 ? qb >> 4 : qb & 15;
    if (five && b[o + 16 + l]! & (1 << is)) q += 16;
    y[p + j] = f(f(f(d * sc) * q) - f(dmin * m));
  }
}

export function hasReferenceDecoder(type: GgmlTypeName): boolean {
  return DECODERS[type] !== undefined;
}

export function referenceDequantize(type: GgmlTypeName, bytes: Uint8Array, elements: number): Float32Array {
  const decode = DECODERS[type];
  if (!decode) throw new Error(`dequant-reference: no decoder for ${type}`);
  const { blockSize, typeSize } = GGML_TYPES[type];
  const y = new Float32Array(elements);
  for (let blk = 0; blk * blockSize < elements; blk++) decode(bytes, blk * typeSize, y, blk * blockSize);
  return y;
}
