// ggml's dequantize_row_q{2,3,4,5,6}_K: float32 math in C's order (products and differences each
// rounded once; d*sc first, then times the level, then minus the min).
import { f16ToF32Table } from '../../float16.ts';

const fround = Math.fround;
const QK_K = 256;

/** get_scale_min_k4: the 6-bit scale code of group j in the low 8 bits of the result, the min code above. */
function unpackScaleMin(q: Uint8Array, s: number, j: number): number {
  if (j < 4) return (q[s + j]! & 63) | ((q[s + j + 4]! & 63) << 8);
  const sc = (q[s + j + 4]! & 0xf) | ((q[s + j - 4]! >> 6) << 4);
  const m = (q[s + j + 4]! >> 4) | ((q[s + j]! >> 6) << 4);
  return sc | (m << 8);
}

export function dequantizeQ2_K(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / QK_K;
  for (let b = 0; b < nb; b++) {
    const o = b * 84;
    const d = f16[bytes[o + 80]! | (bytes[o + 81]! << 8)]!;
    const dmin = f16[bytes[o + 82]! | (bytes[o + 83]! << 8)]!;
    for (let i = 0; i < QK_K; i++) {
      // Element i: 128-half h, shift pair s, 16-group by position within the 32-byte run.
      const h = i >> 7;
      const shift = ((i >> 5) & 3) * 2;
      const l = i & 31;
      const sc = bytes[o + (i >> 4)]!;
      const q = (bytes[o + 16 + 32 * h + l]! >> shift) & 3;
      dst[b * QK_K + i] = fround(fround(fround(d * (sc & 0xf)) * q) - fround(dmin * (sc >> 4)));
    }
  }
}

export function dequantizeQ3_K(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / QK_K;
  for (let b = 0; b < nb; b++) {
    const o = b * 110;
    const d = f16[bytes[o + 108]! | (bytes[o + 109]! << 8)]!;
    for (let i = 0; i < QK_K; i++) {
      const j = i >> 4;
      const low = j < 8 ? bytes[o + 96 + j]! & 0xf : bytes[o + 96 + j - 8]! >> 4;
      const sc = (low | (((bytes[o + 104 + (j % 4)]! >> (2 * (j >> 2))) & 3) << 4)) - 32;
      const shift = ((i >> 5) & 3) * 2;
      const q2 = (bytes[o + 32 + 32 * (i >> 7) + (i & 31)]! >> shift) & 3;
      const high = (bytes[o + (i & 31)]! >> (i >> 5)) & 1;
      dst[b * QK_K + i] = fround(fround(d * sc) * (q2 - (high ? 0 : 4)));
    }
  }
}

function dequantizeQ4Q5_K(bytes: Uint8Array, dst: Float32Array, five: boolean): void {
  const f16 = f16ToF32Table();
  const blockBytes = five ? 176 : 144;
  const qs = five ? 48 : 16;
  const nb = dst.length / QK_K;
  for (let b = 0; b < nb; b++) {
    const o = b * blockBytes;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const dmin = f16[bytes[o + 2]! | (bytes[o + 3]! << 8)]!;
    for (let j = 0; j < 8; j++) {
      const sm = unpackScaleMin(bytes, o + 4, j);
      const dl = fround(d * (sm & 0xff));
      const ml = fround(dmin * (sm >> 8));
      const g = j >> 1;
      const nibbleShift = (j & 1) * 4;
      for (let l = 0; l < 32; l++) {
        let q = (bytes[o + qs + 32 * g + l]! >> nibbleShift) & 0xf;
        if (five && (bytes[o + 16 + l]! >> j) & 1) q += 16;
        dst[b * QK_K + 32 * j + l] = fround(fround(dl * q) - ml);
      }
    }
  }
}

export const dequantizeQ4_K = (bytes: Uint8Array, dst: Float32Array): void => dequantizeQ4Q5_K(bytes, dst, false);
export const dequantizeQ5_K = (bytes: Uint8Array, dst: Float32Array): void => dequantizeQ4Q5_K(bytes, dst, true);

export function dequantizeQ6_K(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / QK_K;
  for (let b = 0; b < nb; b++) {
    const o = b * 210;
    const d = f16[bytes[o + 208]! | (bytes[o + 209]! << 8)]!;
    for (let i = 0; i < QK_K; i++) {
      const h = i >> 7;
      const r = i & 127; // r>>5 picks the quarter: ql low/high nibble and ql+32 and the qh bit pair
      const l = r & 31;
      const quarter = r >> 5;
      const ql = bytes[o + 64 * h + l + (quarter & 1) * 32]!;
      const low = quarter < 2 ? ql & 0xf : ql >> 4;
      const high = (bytes[o + 128 + 32 * h + l]! >> (2 * quarter)) & 3;
      const sc = (bytes[o + 192 + (i >> 4)]! << 24) >> 24;
      dst[b * QK_K + i] = fround(fround(d * sc) * ((low | (high << 4)) - 32));
    }
  }
}
