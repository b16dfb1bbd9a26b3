// Q4_0, Q4_1, Q5_0, Q5_1 without importance weights: ggml's quantize_row_*_ref, block by block.
// Blocks are independent, so rows need no special handling. The imatrix paths live in
// legacy-imatrix.ts.
import { writeF16, writeU32 } from './block-bytes.ts';
import { truncToByte } from './nearest-int.ts';
import { signedMaxOf } from './signed-max.ts';

const fround = Math.fround;
const QK = 32;
const HALF = QK / 2;
const FLT_MAX = 3.4028234663852886e38;

/** Symmetric blocks {d, [qh,] qs}: d = max/-(2^(bits-1)), q = MIN(2^bits-1, (int8)(x*id + offset+0.5)). */
function quantizeSymmetric(src: Float32Array, dst: Uint8Array, bits: 4 | 5): void {
  const nb = src.length / QK;
  const neg = bits === 4 ? -8 : -16;
  const bias = bits === 4 ? 8.5 : 16.5;
  const qmax = bits === 4 ? 15 : 31;
  const blockBytes = bits === 4 ? 18 : 22;
  const qsOff = bits === 4 ? 2 : 6;
  for (let ib = 0; ib < nb; ib++) {
    const p = ib * QK;
    const d = fround(signedMaxOf(src, p, QK) / neg);
    const id = d ? fround(1 / d) : 0;
    const o = ib * blockBytes;
    writeF16(dst, o, d);
    let qh = 0;
    for (let j = 0; j < HALF; j++) {
      const x0 = fround(src[p + j]! * id);
      const x1 = fround(src[p + HALF + j]! * id);
      // MIN on the signed int8, then stored as uint8.
      const xi0 = Math.min(qmax, (truncToByte(fround(x0 + bias)) << 24) >> 24) & 0xff;
      const xi1 = Math.min(qmax, (truncToByte(fround(x1 + bias)) << 24) >> 24) & 0xff;
      dst[o + qsOff + j] = (xi0 & 0x0f) | ((xi1 & 0x0f) << 4);
      if (bits === 5) qh |= (((xi0 & 0x10) >>> 4) << j) | (((xi1 & 0x10) >>> 4) << (j + HALF));
    }
    if (bits === 5) writeU32(dst, o + 2, qh);
  }
}

/** Asymmetric blocks {d, m, [qh,] qs}: d = (max-min)/(2^bits-1), q from (x-min)*id + 0.5. */
function quantizeAsymmetric(src: Float32Array, dst: Uint8Array, bits: 4 | 5): void {
  const nb = src.length / QK;
  const levels = bits === 4 ? 15 : 31;
  const blockBytes = bits === 4 ? 20 : 24;
  const qsOff = bits === 4 ? 4 : 8;
  for (let ib = 0; ib < nb; ib++) {
    const p = ib * QK;
    // ggml starts from ±FLT_MAX (only an all-infinite block could tell that from ±Infinity).
    let min = FLT_MAX;
    let max = -FLT_MAX;
    for (let j = 0; j < QK; j++) {
      const v = src[p + j]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = fround(fround(max - min) / levels);
    const id = d ? fround(1 / d) : 0;
    const o = ib * blockBytes;
    writeF16(dst, o, d);
    writeF16(dst, o + 2, min);
    let qh = 0;
    for (let j = 0; j < HALF; j++) {
      const x0 = fround(fround(src[p + j]! - min) * id);
      const x1 = fround(fround(src[p + HALF + j]! - min) * id);
      let xi0 = truncToByte(fround(x0 + 0.5));
      let xi1 = truncToByte(fround(x1 + 0.5));
      if (bits === 4) {
        // q4_1 clamps with MIN(15, (int8_t)…); q5_1 stores the uint8 cast as is.
        xi0 = Math.min(15, (xi0 << 24) >> 24) & 0xff;
        xi1 = Math.min(15, (xi1 << 24) >> 24) & 0xff;
      }
      dst[o + qsOff + j] = (xi0 & 0x0f) | ((xi1 & 0x0f) << 4);
      if (bits === 5) qh |= (((xi0 & 0x10) >>> 4) << j) | (((xi1 & 0x10) >>> 4) << (j + HALF));
    }
    if (bits === 5) writeU32(dst, o + 4, qh);
  }
}

export function quantizeQ4_0Ref(src: Float32Array, dst: Uint8Array): void {
  quantizeSymmetric(src, dst, 4);
}

export function quantizeQ5_0Ref(src: Float32Array, dst: Uint8Array): void {
  quantizeSymmetric(src, dst, 5);
}

export function quantizeQ4_1Ref(src: Float32Array, dst: Uint8Array): void {
  quantizeAsymmetric(src, dst, 4);
}

export function quantizeQ5_1Ref(src: Float32Array, dst: Uint8Array): void {
  quantizeAsymmetric(src, dst, 5);
}
