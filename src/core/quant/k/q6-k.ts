// Q6_K: 256-element super-blocks {ql[128], qh[64], int8 scales[16], d}; sixteen 16-element
// groups of 6-bit levels (stored +32). quantize_row_q6_K_ref and _impl differ only in the weights
// of make_qx_quants: x² without an imatrix, the imatrix values directly with one.
import { roundThroughF16 } from '../../float16.ts';
import { writeF16 } from '../block-bytes.ts';
import { makeQxQuants } from '../make-quants.ts';
import { nearestInt, nearestIntWide } from '../nearest-int.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK_K = 256;
const BLOCK_BYTES = 210;
const QH = 128;
const SCALES = 192;
const D = 208;
const GROUP_MAX_EPS = fround(1e-15);

const levels = new Uint8Array(QK_K);
const scales = new Float32Array(16);

function quantizeBlock(src: Float32Array, p: number, qw: Float32Array | null, qOff: number, dst: Uint8Array, o: number): void {
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    const scale = makeQxQuants(16, 32, src, p + 16 * ib, levels, 16 * ib, qw, qOff + 16 * ib);
    scales[ib] = scale;
    if (Math.abs(scale) > maxAbsScale) { maxAbsScale = Math.abs(scale); maxScale = scale; }
  }
  if (maxAbsScale < GROUP_MAX_EPS) {
    dst.fill(0, o, o + BLOCK_BYTES);
    return;
  }
  const iscale = fround(-128 / maxScale);
  const d = fround(1 / iscale);
  writeF16(dst, o + D, d);
  const dh = roundThroughF16(d);
  for (let ib = 0; ib < 16; ib++) {
    const sc = Math.min(127, nearestInt(fround(iscale * scales[ib]!)));
    dst[o + SCALES + ib] = sc;
    const dl = fround(dh * ((sc << 24) >> 24));
    if (dl === 0) continue; // C tests !d: a NaN scale still requantizes
    for (let ii = 0; ii < 16; ii++) {
      const l = nearestIntWide(fround(src[p + 16 * ib + ii]! / dl));
      levels[16 * ib + ii] = (l < -32 ? -32 : l > 31 ? 31 : l) + 32;
    }
  }
  for (let h = 0; h < 2; h++) {
    const j = 128 * h;
    const ql = o + 64 * h;
    const qh = o + QH + 32 * h;
    for (let l = 0; l < 32; l++) {
      const q1 = levels[j + l]!;
      const q2 = levels[j + l + 32]!;
      const q3 = levels[j + l + 64]!;
      const q4 = levels[j + l + 96]!;
      dst[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      dst[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      dst[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}

/** quantize_row_q6_K_ref (qw null) or quantize_row_q6_K_impl row by row (qw one weight per column). */
export function quantizeQ6_K(src: Float32Array, cols: number, qw: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, qw, dst, QK_K, BLOCK_BYTES, quantizeBlock);
}
