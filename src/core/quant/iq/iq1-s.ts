// IQ1_S (50 bytes per 256 values): fp16 d; qs[32] = low bytes of 11-bit grid indices, one per 8
// values (2048-point grid of {-1,0,1}); qh = 8 uint16, one per 32 values: the 3 index high bits of
// its 4 groups, a 3-bit scale s at bits 12..14 and the delta sign at bit 15; value
// d*(2s+1)*(grid ± 1/8). ggml's quantize_row_iq1_s_impl; an imatrix is required.
import { writeF16 } from '../block-bytes.ts';
import { FLT_MAX } from './iq-grid-assign.ts';
import { latticeSearch, type LatticeSearch } from './iq-lattice-search.ts';
import { sumSquares } from './iq-signs.ts';
import { sortedOrder, X_M, X_P } from './iq1-common.ts';
import { largestMagnitude, mirrorIq1Levels, refitIq1Scale, snapIq1Groups, splitLevels } from './iq1-subblock.ts';
import { importanceWeights, subBlockScaleCode } from './iq-subblock.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';
import { requireQuantizerImatrix } from './quantizer-imatrix.ts';

const fround = Math.fround;
const QK = 256;
const BS = 32;
const BLOCK_BYTES = 50;
const GROUP_MAX_EPS = fround(1e-12);
/** ggml's fudge factor on the stored super-block scale. */
const D_FUDGE = fround(1.125);

let search: LatticeSearch | undefined;
const weight = new Float32Array(BS);
const order = new Int32Array(BS);
const sumx = new Float32Array(BS + 1);
const sumw = new Float32Array(BS + 1);
const L = new Int8Array(BS);
const index = new Int32Array(BS / 8);
const scales = new Float32Array(QK / BS);
const shifts = new Int8Array(QK / BS);
const qh = new Uint16Array(QK / BS);

/** The best split of the sorted values into levels 0/1/2, written to L; returns the scale and sets bestShift. */
let bestShift = 0;
function splitSearch(x: Float32Array, xo: number, max: number): number {
  sumx[0] = 0;
  sumw[0] = 0;
  for (let j = 0; j < BS; j++) {
    const i = order[j]!;
    sumx[j + 1] = fround(sumx[j]! + fround(weight[i]! * x[xo + i]!));
    sumw[j + 1] = fround(sumw[j]! + weight[i]!);
  }
  let bestScore = -FLT_MAX;
  let scale = max;
  let besti1 = -1;
  let besti2 = -1;
  bestShift = 0;
  const sx0 = sumx[0]!;
  const sw0 = sumw[0]!;
  const sxN = sumx[BS]!;
  const swN = sumw[BS]!;
  for (let i1 = 0; i1 <= BS; i1++) {
    const sx1 = sumx[i1]!;
    const sw1 = sumw[i1]!;
    const xa = fround(sx1 - sx0);
    const wa = fround(sw1 - sw0);
    for (let i2 = i1; i2 <= BS; i2++) {
      const sx2 = sumx[i2]!;
      const sw2 = sumw[i2]!;
      const xb = fround(sx2 - sx1);
      const xc = fround(sxN - sx2);
      const wb = fround(sw2 - sw1);
      const wc = fround(swN - sw2);
      for (let shift = 1; shift >= -1; shift -= 2) {
        const v = shift === 1 ? X_P : X_M;
        const v0 = v[0]!;
        const v1 = v[1]!;
        const v2 = v[2]!;
        const sumqx = fround(fround(fround(xa * v0) + fround(xb * v1)) + fround(xc * v2));
        const sumq2 = fround(fround(fround(fround(wa * v0) * v0) + fround(fround(wb * v1) * v1)) + fround(fround(wc * v2) * v2));
        if (sumq2 > 0 && fround(sumqx * sumqx) > fround(bestScore * sumq2)) {
          scale = fround(sumqx / sumq2);
          bestScore = fround(scale * sumqx);
          besti1 = i1;
          besti2 = i2;
          bestShift = shift;
        }
      }
    }
  }
  if (besti1 < 0 || besti2 < 0 || bestShift === 0) return NaN;
  splitLevels(order, BS, besti1, besti2, L);
  return scale;
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array, qo: number, dst: Uint8Array, o: number): void {
  search ??= latticeSearch('iq1s');
  const s = search;
  dst.fill(0, o, o + BLOCK_BYTES);
  qh.fill(0);
  let maxScale = 0;
  const sigma2 = fround(fround(2 * sumSquares(x, xo, QK)) / QK);
  for (let ib = 0; ib < QK / BS; ib++) {
    const bo = xo + BS * ib;
    importanceWeights(x, bo, qw, qo + BS * ib, BS, sigma2, weight);
    const max = largestMagnitude(x, bo, BS);
    scales[ib] = 0;
    shifts[ib] = 1;
    if (max < GROUP_MAX_EPS) continue;
    sortedOrder(x, bo, BS, order);
    let scale = splitSearch(x, bo, max);
    if (Number.isNaN(scale)) continue;
    let shift = bestShift;
    if (scale < 0) {
      mirrorIq1Levels(L, BS);
      scale = -scale;
      shift = -shift;
    }
    const xx = shift === 1 ? X_P : X_M;
    const values = (): Float32Array => xx;
    if (!snapIq1Groups(s, x, bo, weight, L, BS, scale, values, index)) {
      scale = refitIq1Scale(x, bo, weight, L, BS, values, scale);
    }
    let h = 0;
    for (let k = 0; k < BS / 8; k++) {
      dst[o + 2 + (BS / 8) * ib + k] = index[k]! & 255;
      h |= (index[k]! >> 8) << (3 * k);
    }
    qh[ib] = h;
    scales[ib] = scale;
    shifts[ib] = shift;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale !== 0) {
    const d = fround(maxScale / 15);
    writeF16(dst, o, fround(d * D_FUDGE));
    const id = fround(1 / d);
    for (let ib = 0; ib < QK / BS; ib++) {
      let l = subBlockScaleCode(id, scales[ib]!, 7);
      if (shifts[ib] === -1) l |= 8;
      qh[ib] = qh[ib]! | (l << 12);
    }
  }
  for (let ib = 0; ib < QK / BS; ib++) {
    dst[o + 34 + 2 * ib] = qh[ib]! & 0xff;
    dst[o + 35 + 2 * ib] = qh[ib]! >>> 8;
  }
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ1_S; the imatrix is required. */
export function quantizeIq1S(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, requireQuantizerImatrix('IQ1_S', imatrix), dst, QK, BLOCK_BYTES, quantizeBlock);
}
