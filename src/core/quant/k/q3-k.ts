// Q3_K: 256-element super-blocks {hmask[32], qs[64], scales[12], d}; sixteen 16-element groups
// with signed 6-bit scales (stored +32) and 3-bit levels: the low two bits packed as in Q2_K,
// the third in hmask. Without an imatrix: quantize_row_q3_K_ref (make_q3_quants per group);
// with one: quantize_row_q3_K_impl (weighted make_qx_quants, then make_qx_quants over the scales).
import { roundThroughF16 } from '../../float16.ts';
import { writeF16 } from '../block-bytes.ts';
import { makeQxQuants } from '../make-quants.ts';
import { nearestInt, nearestIntWide } from '../nearest-int.ts';
import { fillImatrixWeights, sumSquares } from './group-weights.ts';
import { makeQ3Quants } from './make-q3-quants.ts';
import { packTwoBitLevels } from './q2-k.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';
import { signedMaxOf } from '../signed-max.ts';

const fround = Math.fround;
const QK_K = 256;
const BLOCK_BYTES = 110;
const QS = 32;
const SCALES = 96;
const D = 108;

const levels = new Uint8Array(QK_K);
const weights = new Float32Array(16);
const scales = new Float32Array(16);
const sw = new Float32Array(16);
const Ls = new Uint8Array(16);

/** Stores the 6-bit code l (0..63) of group j: low nibble in bytes 0..7, high two bits in 8..11. */
function packScale(dst: Uint8Array, s: number, j: number, l: number): void {
  if (j < 8) dst[s + j] = l & 0xf;
  else dst[s + j - 8] |= (l & 0xf) << 4;
  dst[s + 8 + (j % 4)] |= (l >> 4) << (2 * (j >> 2));
}

function unpackScale(dst: Uint8Array, s: number, j: number): number {
  const low = j < 8 ? dst[s + j]! & 0xf : dst[s + j - 8]! >> 4;
  return (low | (((dst[s + 8 + (j % 4)]! >> (2 * (j >> 2))) & 3) << 4)) - 32;
}

/** Final levels from the stored scales and fp16 d, then the hmask bits and the 2-bit packing. */
function requantizeAndPack(src: Float32Array, p: number, dst: Uint8Array, o: number, dh: number): void {
  for (let j = 0; j < 16; j++) {
    const d = fround(dh * unpackScale(dst, o + SCALES, j));
    if (d === 0) continue; // C tests !d: a NaN scale still requantizes
    for (let ii = 0; ii < 16; ii++) {
      const l = nearestIntWide(fround(src[p + 16 * j + ii]! / d));
      levels[16 * j + ii] = (l < -4 ? -4 : l > 3 ? 3 : l) + 4;
    }
  }
  dst.fill(0, o, o + 32);
  for (let j = 0; j < QK_K; j++) {
    if (levels[j]! > 3) {
      dst[o + (j & 31)] |= 1 << (j >> 5);
      levels[j] -= 4;
    }
  }
  packTwoBitLevels(levels, dst, o + QS);
}

function quantizeBlockRef(src: Float32Array, p: number, dst: Uint8Array, o: number): void {
  for (let j = 0; j < 16; j++) scales[j] = makeQ3Quants(16, 4, src, p + 16 * j, levels, 16 * j);
  const maxScale = signedMaxOf(scales, 0, 16);
  dst.fill(0, o + SCALES, o + SCALES + 12);
  let d = 0;
  if (maxScale !== 0) {
    const iscale = fround(-32 / maxScale);
    for (let j = 0; j < 16; j++) {
      const l = (nearestInt(fround(iscale * scales[j]!)) << 24) >> 24; // C stores it in an int8_t
      packScale(dst, o + SCALES, j, (l < -32 ? -32 : l > 31 ? 31 : l) + 32);
    }
    d = fround(1 / iscale);
  }
  writeF16(dst, o + D, d);
  requantizeAndPack(src, p, dst, o, roundThroughF16(d));
}

function quantizeBlockWeighted(src: Float32Array, p: number, qw: Float32Array, qOff: number, dst: Uint8Array, o: number): void {
  const sigma2 = fround(fround(2 * sumSquares(src, p, QK_K)) / QK_K);
  for (let j = 0; j < 16; j++) {
    sw[j] = fillImatrixWeights(weights, src, p + 16 * j, qw, qOff + 16 * j, 16, sigma2);
    scales[j] = makeQxQuants(16, 4, src, p + 16 * j, levels, 16 * j, weights, 0);
  }
  dst.fill(0, o + SCALES, o + SCALES + 12);
  const dBlock = makeQxQuants(16, 32, scales, 0, Ls, 0, sw, 0);
  for (let j = 0; j < 16; j++) packScale(dst, o + SCALES, j, Ls[j]!);
  writeF16(dst, o + D, dBlock);
  requantizeAndPack(src, p, dst, o, roundThroughF16(dBlock));
}

/** quantize_row_q3_K_ref over every block of src. */
export function quantizeQ3_KRef(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let b = 0; b < nb; b++) quantizeBlockRef(src, b * QK_K, dst, b * BLOCK_BYTES);
}

/** quantize_row_q3_K_impl row by row, `qw` holding one importance weight per column. */
export function quantizeQ3_KWeighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, qw, dst, QK_K, BLOCK_BYTES, quantizeBlockWeighted);
}
