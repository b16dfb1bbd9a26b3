// Q4_K {d, dmin, scales[12], qs[128]} and Q5_K {d, dmin, scales[12], qh[32], qs[128]}: 256-element
// super-blocks of eight 32-element groups, each with a 6-bit scale and a 6-bit min. Without an
// imatrix: quantize_row_q{4,5}_K_ref (make_qkx2 with weights av+|x|, scales rescaled to 63); with
// one: quantize_row_q{4,5}_K_impl (make_qkx3 with imatrix weights, then make_qp_quants).
import { roundThroughF16 } from '../../float16.ts';
import { writeF16 } from '../block-bytes.ts';
import { makeQkx3Quants } from '../make-quants.ts';
import { nearestInt, nearestIntWide } from '../nearest-int.ts';
import { fillImatrixWeights, sumSquares } from './group-weights.ts';
import { makeQpQuants } from '../make-qp-quants.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK_K = 256;
const SCALES = 4;
const RMIN_IM = fround(-0.9);
const RDELTA_IM = fround(0.05);

interface KVariant {
  readonly nmax: 15 | 31;
  readonly blockBytes: number;
  readonly rmin: number;
  readonly rdelta: number;
  readonly nstep: number;
  /** quantize_row_q5_K_impl clamps the make_qp_quants codes to 63; the Q4_K one does not. */
  readonly clampImatrixCodes: boolean;
}

const Q4_K: KVariant = { nmax: 15, blockBytes: 144, rmin: fround(-1), rdelta: fround(0.1), nstep: 20, clampImatrixCodes: false };
const Q5_K: KVariant = { nmax: 31, blockBytes: 176, rmin: fround(-0.5), rdelta: fround(0.1), nstep: 15, clampImatrixCodes: true };

const levels = new Uint8Array(QK_K);
const weights = new Float32Array(32);
const scales = new Float32Array(8);
const mins = new Float32Array(8);
const sw = new Float32Array(8);
const Ls = new Uint8Array(8);
const Lm = new Uint8Array(8);
const minOut = new Float32Array(1);

/** Stores the (scale, min) codes of group j; bytes truncate to 8 bits as C's uint8_t stores do. */
function packScaleMin(dst: Uint8Array, s: number, j: number, ls: number, lm: number): void {
  if (j < 4) {
    dst[s + j] = ls;
    dst[s + j + 4] = lm;
  } else {
    dst[s + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
    dst[s + j - 4] |= (ls >> 4) << 6;
    dst[s + j] |= (lm >> 4) << 6;
  }
}

/** get_scale_min_k4: the scale code in the low 8 bits of the result, the min code above. */
export function unpackScaleMin(q: Uint8Array, s: number, j: number): number {
  if (j < 4) return (q[s + j]! & 63) | ((q[s + j + 4]! & 63) << 8);
  const sc = (q[s + j + 4]! & 0xf) | ((q[s + j - 4]! >> 6) << 4);
  const m = (q[s + j + 4]! >> 4) | ((q[s + j]! >> 6) << 4);
  return sc | (m << 8);
}

/** The final pass from the stored codes and fp16 d/dmin, then the level packing. */
function requantizeAndPack(v: KVariant, src: Float32Array, p: number, dst: Uint8Array, o: number, dh: number, dminh: number): void {
  for (let j = 0; j < 8; j++) {
    const sm = unpackScaleMin(dst, o + SCALES, j);
    const d = fround(dh * (sm & 0xff));
    if (d === 0) continue; // C tests !d: a NaN scale still requantizes
    const dm = fround(dminh * (sm >> 8));
    for (let ii = 0; ii < 32; ii++) {
      const l = nearestIntWide(fround(fround(src[p + 32 * j + ii]! + dm) / d));
      levels[32 * j + ii] = l < 0 ? 0 : l > v.nmax ? v.nmax : l;
    }
  }
  if (v.nmax === 15) {
    const qs = o + 16;
    for (let g = 0; g < 4; g++) {
      for (let l = 0; l < 32; l++) dst[qs + 32 * g + l] = levels[64 * g + l]! | (levels[64 * g + 32 + l]! << 4);
    }
    return;
  }
  const qh = o + 16;
  const qs = o + 48;
  dst.fill(0, qh, qh + 32);
  for (let g = 0; g < 4; g++) {
    for (let l = 0; l < 32; l++) {
      const l1 = levels[64 * g + l]!;
      const l2 = levels[64 * g + 32 + l]!;
      dst[qh + l] |= ((l1 >> 4) << (2 * g)) | ((l2 >> 4) << (2 * g + 1));
      dst[qs + 32 * g + l] = (l1 & 0xf) | ((l2 & 0xf) << 4);
    }
  }
}

function quantizeBlockRef(v: KVariant, src: Float32Array, p: number, dst: Uint8Array, o: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const g = p + 32 * j;
    const avX = fround(Math.sqrt(fround(sumSquares(src, g, 32) / 32)));
    for (let l = 0; l < 32; l++) weights[l] = fround(avX + Math.abs(src[g + l]!));
    const scale = makeQkx3Quants(32, v.nmax, src, g, weights, 0, levels, 32 * j, minOut, v.rmin, v.rdelta, v.nstep, false);
    scales[j] = scale;
    mins[j] = minOut[0]!;
    if (scale > maxScale) maxScale = scale;
    if (minOut[0]! > maxMin) maxMin = minOut[0]!;
  }
  const invScale = maxScale > 0 ? fround(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fround(63 / maxMin) : 0;
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(fround(invScale * scales[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(fround(invMin * mins[j]!)) & 0xff);
    packScaleMin(dst, o + SCALES, j, ls, lm);
  }
  const d = fround(maxScale / 63);
  const dmin = fround(maxMin / 63);
  writeF16(dst, o, d);
  writeF16(dst, o + 2, dmin);
  requantizeAndPack(v, src, p, dst, o, roundThroughF16(d), roundThroughF16(dmin));
}

function quantizeBlockWeighted(
  v: KVariant, src: Float32Array, p: number, qw: Float32Array, qOff: number, dst: Uint8Array, o: number,
): void {
  const sigma2 = fround(fround(2 * sumSquares(src, p, QK_K)) / QK_K);
  for (let j = 0; j < 8; j++) {
    sw[j] = fillImatrixWeights(weights, src, p + 32 * j, qw, qOff + 32 * j, 32, sigma2);
    scales[j] = makeQkx3Quants(32, v.nmax, src, p + 32 * j, weights, 0, levels, 32 * j, minOut, RMIN_IM, RDELTA_IM, 36, false);
    mins[j] = minOut[0]!;
  }
  const dBlock = makeQpQuants(8, 63, scales, Ls, sw);
  const mBlock = makeQpQuants(8, 63, mins, Lm, sw);
  for (let j = 0; j < 8; j++) {
    const ls = v.clampImatrixCodes ? Math.min(63, Ls[j]!) : Ls[j]!;
    const lm = v.clampImatrixCodes ? Math.min(63, Lm[j]!) : Lm[j]!;
    packScaleMin(dst, o + SCALES, j, ls, lm);
  }
  writeF16(dst, o, dBlock);
  writeF16(dst, o + 2, mBlock);
  requantizeAndPack(v, src, p, dst, o, roundThroughF16(dBlock), roundThroughF16(mBlock));
}

function quantizeRef(v: KVariant, src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let b = 0; b < nb; b++) quantizeBlockRef(v, src, b * QK_K, dst, b * v.blockBytes);
}

function quantizeWeighted(v: KVariant, src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, qw, dst, QK_K, v.blockBytes, (x, xo, w, wo, out, o) => quantizeBlockWeighted(v, x, xo, w, wo, out, o));
}

export const quantizeQ4_KRef = (src: Float32Array, dst: Uint8Array): void => quantizeRef(Q4_K, src, dst);
export const quantizeQ5_KRef = (src: Float32Array, dst: Uint8Array): void => quantizeRef(Q5_K, src, dst);
export const quantizeQ4_KWeighted = (src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void =>
  quantizeWeighted(Q4_K, src, cols, qw, dst);
export const quantizeQ5_KWeighted = (src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void =>
  quantizeWeighted(Q5_K, src, cols, qw, dst);
