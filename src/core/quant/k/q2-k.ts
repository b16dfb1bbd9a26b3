// Q2_K: 256-element super-blocks {scales[16], qs[64], d, dmin}; sixteen 16-element groups with a
// 4-bit scale and a 4-bit min each. Without an imatrix: quantize_row_q2_K_ref (make_qkx2 with
// |x| weights and mean absolute error); with one: quantize_row_q2_K_impl (make_qkx3 with imatrix
// weights, then make_qp_quants for the scales and mins).
import { roundThroughF16 } from '../../float16.ts';
import { writeF16 } from '../block-bytes.ts';
import { makeQkx3Quants } from '../make-quants.ts';
import { nearestInt, nearestIntWide } from '../nearest-int.ts';
import { fillImatrixWeights, sumSquares } from './group-weights.ts';
import { makeQpQuants } from '../make-qp-quants.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK_K = 256;
const BLOCK_BYTES = 84;
const QS = 16;
const D = 80;
const DMIN = 82;
const RMIN_REF = fround(-0.5);
const RDELTA_REF = fround(0.1);
const RMIN_IM = fround(-0.9);
const RDELTA_IM = fround(0.05);

const levels = new Uint8Array(QK_K);
const weights = new Float32Array(16);
const scales = new Float32Array(16);
const mins = new Float32Array(16);
const sw = new Float32Array(16);
const Ls = new Uint8Array(16);
const Lm = new Uint8Array(16);
const minOut = new Float32Array(1);

/** Two-bit levels, four per byte: byte 32h+l holds elements 128h+l, +32, +64, +96 (low to high). */
export function packTwoBitLevels(L: Uint8Array, dst: Uint8Array, qsAt: number): void {
  for (let j = 0; j < QK_K; j += 128) {
    for (let l = 0; l < 32; l++) {
      dst[qsAt + j / 4 + l] = L[j + l]! | (L[j + l + 32]! << 2) | (L[j + l + 64]! << 4) | (L[j + l + 96]! << 6);
    }
  }
}

/** The final pass: levels from the stored (fp16) d, dmin and 4-bit scales; groups with d*sc = 0 keep theirs. */
function requantize(src: Float32Array, p: number, dst: Uint8Array, o: number, d: number, dmin: number): void {
  for (let j = 0; j < 16; j++) {
    const sc = dst[o + j]!;
    const dl = fround(d * (sc & 0xf));
    if (dl === 0) continue; // C tests !d: a NaN scale still requantizes
    const ml = fround(dmin * (sc >>> 4));
    for (let ii = 0; ii < 16; ii++) {
      const l = nearestIntWide(fround(fround(src[p + 16 * j + ii]! + ml) / dl));
      levels[16 * j + ii] = l < 0 ? 0 : l > 3 ? 3 : l;
    }
  }
}

function quantizeBlockRef(src: Float32Array, p: number, dst: Uint8Array, o: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 16; j++) {
    for (let l = 0; l < 16; l++) weights[l] = Math.abs(src[p + 16 * j + l]!);
    const scale = makeQkx3Quants(16, 3, src, p + 16 * j, weights, 0, levels, 16 * j, minOut, RMIN_REF, RDELTA_REF, 15, true);
    scales[j] = scale;
    mins[j] = minOut[0]!;
    if (scale > maxScale) maxScale = scale;
    if (minOut[0]! > maxMin) maxMin = minOut[0]!;
  }
  if (maxScale > 0) {
    const iscale = fround(15 / maxScale);
    for (let j = 0; j < 16; j++) dst[o + j] = nearestInt(fround(iscale * scales[j]!));
  } else {
    dst.fill(0, o, o + 16);
  }
  const d = maxScale > 0 ? fround(maxScale / 15) : 0;
  writeF16(dst, o + D, d);
  if (maxMin > 0) {
    const iscale = fround(15 / maxMin);
    for (let j = 0; j < 16; j++) dst[o + j] |= nearestInt(fround(iscale * mins[j]!)) << 4;
  }
  const dmin = maxMin > 0 ? fround(maxMin / 15) : 0;
  writeF16(dst, o + DMIN, dmin);
  requantize(src, p, dst, o, roundThroughF16(d), roundThroughF16(dmin));
  packTwoBitLevels(levels, dst, o + QS);
}

function quantizeBlockWeighted(src: Float32Array, p: number, qw: Float32Array, qOff: number, dst: Uint8Array, o: number): void {
  const sigma2 = fround(sumSquares(src, p, QK_K) / QK_K);
  for (let j = 0; j < 16; j++) {
    sw[j] = fillImatrixWeights(weights, src, p + 16 * j, qw, qOff + 16 * j, 16, sigma2);
    scales[j] = makeQkx3Quants(16, 3, src, p + 16 * j, weights, 0, levels, 16 * j, minOut, RMIN_IM, RDELTA_IM, 36, false);
    mins[j] = minOut[0]!;
  }
  const dm = makeQpQuants(16, 15, scales, Ls, sw);
  const mm = makeQpQuants(16, 15, mins, Lm, sw);
  writeF16(dst, o + D, dm);
  writeF16(dst, o + DMIN, mm);
  for (let j = 0; j < 16; j++) dst[o + j] = Ls[j]! | (Lm[j]! << 4);
  requantize(src, p, dst, o, roundThroughF16(dm), roundThroughF16(mm));
  packTwoBitLevels(levels, dst, o + QS);
}

/** quantize_row_q2_K_ref over every block of src. */
export function quantizeQ2_KRef(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let b = 0; b < nb; b++) quantizeBlockRef(src, b * QK_K, dst, b * BLOCK_BYTES);
}

/** quantize_row_q2_K_impl row by row, `qw` holding one importance weight per column. */
export function quantizeQ2_KWeighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, qw, dst, QK_K, BLOCK_BYTES, quantizeBlockWeighted);
}
