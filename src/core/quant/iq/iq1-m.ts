// IQ1_M (56 bytes per 256 values): qs[32] = low bytes of 11-bit grid indices, one per 8 values;
// qh[16], one byte per 16 values: per group of 8 a nibble of 3 index high bits and a delta sign
// bit (0x08 / 0x80); scales = 4 uint16, each with four 3-bit scales s (value d*(2s+1)*(grid ±
// 1/8)) in bits 0..11 and one nibble of the fp16 super-block scale d in bits 12..15.
// ggml's quantize_row_iq1_m_impl; works with or without imatrix.
import { f32ToF16Bits } from '../../float16.ts';
import { FLT_MAX } from './iq-grid-assign.ts';
import { latticeSearch, type LatticeSearch } from './iq-lattice-search.ts';
import { sumSquares } from './iq-signs.ts';
import { sortedOrder, X_M, X_P } from './iq1-common.ts';
import { largestMagnitude, mirrorIq1Levels, refitIq1Scale, snapIq1Groups, splitLevels } from './iq1-subblock.ts';
import { importanceWeights, squareWeights, subBlockScaleCode } from './iq-subblock.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK = 256;
const BS = 16;
const BLOCK_BYTES = 56;
const GROUP_MAX_EPS = fround(1e-7);
/** ggml's fudge factor on the stored super-block scale. */
const D_FUDGE = fround(1.1125);
/** qh delta bits for the 4 (first group, second group) delta-sign combinations. */
const SHIFT_MASKS = [0x00, 0x80, 0x08, 0x88];

let search: LatticeSearch | undefined;
const weight = new Float32Array(BS);
const order = new Int32Array(BS);
const L = new Int8Array(BS);
const index = new Int32Array(2);
const scales = new Float32Array(QK / BS);
const shifts = new Int8Array(QK / BS);
const sc = new Uint16Array(4);

/**
 * Combination k uses delta sign (k < 2 ? + : -) for the first 8 values and (k even ? + : -) for
 * the last 8: the values each group of 8 is quantized to.
 */
function groupValues(k: number, group: number): Float32Array {
  return group === 0 ? (k < 2 ? X_P : X_M) : k % 2 === 0 ? X_P : X_M;
}

function computeWeights(x: Float32Array, bo: number, qw: Float32Array | null, qo: number, sigma2: number): void {
  if (qw) importanceWeights(x, bo, qw, qo, BS, sigma2, weight);
  else squareWeights(x, bo, BS, weight);
}

/**
 * Terms of the split search, per sorted position j, combination k and level: w*v*x and w*v*v with
 * v the quant value, rounded as ggml rounds them. Index ((j*4 + k)*3 + level).
 */
const termX = new Float64Array(BS * 4 * 3);
const termQ = new Float64Array(BS * 4 * 3);
/** Running sums: after the level-0 prefix, and after the level-0/level-1 prefix. */
const prefix0 = new Float64Array(8);
const prefix01 = new Float64Array(8);

/**
 * The best split of the sorted values into levels 0/1/2 over the 4 delta combinations; writes L,
 * sets bestK and returns the scale (NaN when no split has a positive sumq2).
 *
 * ggml recomputes each split's sums from scratch, in sorted order, in float32. The running sum
 * over the first positions is the same for every split that shares those positions' levels, so
 * the level-0 and level-0/1 prefixes are carried along and only the level-2 tail is re-added:
 * the same float32 additions in the same order, hence the same sums.
 */
let bestK = -1;
function splitSearch(x: Float32Array, bo: number, max: number): number {
  for (let j = 0; j < BS; j++) {
    const i = order[j]!;
    const w = weight[i]!;
    const xi = x[bo + i]!;
    for (let k = 0; k < 4; k++) {
      const values = groupValues(k, i < BS / 2 ? 0 : 1);
      for (let level = 0; level < 3; level++) {
        const v = values[level]!;
        const wv = fround(w * v);
        termX[(j * 4 + k) * 3 + level] = fround(wv * xi);
        termQ[(j * 4 + k) * 3 + level] = fround(wv * v);
      }
    }
  }
  let bestScore = -FLT_MAX;
  let scale = max;
  let besti1 = -1;
  let besti2 = -1;
  bestK = -1;
  prefix0.fill(0);
  for (let i1 = 0; i1 <= BS; i1++) {
    if (i1 > 0) addTerms(prefix0, i1 - 1, 0);
    prefix01.set(prefix0);
    for (let i2 = i1; i2 <= BS; i2++) {
      if (i2 > i1) addTerms(prefix01, i2 - 1, 1);
      for (let k = 0; k < 4; k++) {
        let qx = prefix01[k]!;
        let q2 = prefix01[4 + k]!;
        for (let j = i2; j < BS; j++) {
          const t = (j * 4 + k) * 3 + 2;
          qx = fround(qx + termX[t]!);
          q2 = fround(q2 + termQ[t]!);
        }
        if (q2 > 0 && fround(qx * qx) > fround(bestScore * q2)) {
          scale = fround(qx / q2);
          bestScore = fround(scale * qx);
          besti1 = i1;
          besti2 = i2;
          bestK = k;
        }
      }
    }
  }
  if (besti1 < 0 || besti2 < 0 || bestK < 0) return NaN;
  splitLevels(order, BS, besti1, besti2, L);
  return scale;
}

/** sums[k] += termX, sums[4+k] += termQ of sorted position j at `level`, for the 4 combinations. */
function addTerms(sums: Float64Array, j: number, level: number): void {
  for (let k = 0; k < 4; k++) {
    const t = (j * 4 + k) * 3 + level;
    sums[k] = fround(sums[k]! + termX[t]!);
    sums[4 + k] = fround(sums[4 + k]! + termQ[t]!);
  }
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array | null, qo: number, dst: Uint8Array, o: number): void {
  search ??= latticeSearch('iq1s');
  const s = search;
  const { levels } = s.grid;
  dst.fill(0, o, o + BLOCK_BYTES);
  sc.fill(0);
  const qhO = o + 32;
  let maxScale = 0;
  const sigma2 = fround(fround(2 * sumSquares(x, xo, QK)) / QK);
  for (let ib = 0; ib < QK / BS; ib++) {
    const bo = xo + BS * ib;
    computeWeights(x, bo, qw, qo + BS * ib, sigma2);
    const max = largestMagnitude(x, bo, BS);
    scales[ib] = 0;
    shifts[ib] = 0;
    if (max < GROUP_MAX_EPS) continue;
    sortedOrder(x, bo, BS, order);
    let scale = splitSearch(x, bo, max);
    if (Number.isNaN(scale)) continue;
    let k3 = bestK;
    if (scale < 0) {
      mirrorIq1Levels(L, BS);
      scale = -scale;
      k3 = 3 - k3;
    }
    const values = (g: number): Float32Array => groupValues(k3, g);
    if (!snapIq1Groups(s, x, bo, weight, L, BS, scale, values, index)) {
      scale = refitIq1Scale(x, bo, weight, L, BS, values, scale);
    }
    dst[o + 2 * ib] = index[0]! & 255;
    dst[o + 2 * ib + 1] = index[1]! & 255;
    dst[qhO + ib] = (index[0]! >> 8) | ((index[1]! >> 8) << 4);
    scales[ib] = scale;
    shifts[ib] = k3;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale === 0) return;
  // The stored d is refit over the whole super-block with the rounded sub-block scales.
  let d = fround(maxScale / 15);
  const id = fround(1 / d);
  let qx = 0;
  let q2 = 0;
  for (let ib = 0; ib < QK / BS; ib++) {
    const l = subBlockScaleCode(id, scales[ib]!, 7);
    sc[ib >> 2] = sc[ib >> 2]! | (l << (3 * (ib % 4)));
    const qh = dst[qhO + ib]! | SHIFT_MASKS[shifts[ib]!]!;
    dst[qhO + ib] = qh;
    const bo = xo + BS * ib;
    computeWeights(x, bo, qw, qo + BS * ib, sigma2);
    for (let g = 0; g < 2; g++) {
      const xx = groupValues(shifts[ib]!, g);
      const p = dst[o + 2 * ib + g]! + ((qh << (8 - 4 * g)) & 0x700);
      for (let j = 0; j < 8; j++) {
        const w = weight[8 * g + j]!;
        const q = fround(xx[levels[p * 8 + j]!]! * (2 * l + 1));
        qx = fround(qx + fround(fround(w * q) * x[bo + 8 * g + j]!));
        q2 = fround(q2 + fround(fround(w * q) * q));
      }
    }
  }
  if (q2 > 0) d = fround(qx / q2);
  const h = f32ToF16Bits(fround(d * D_FUDGE));
  sc[0] = sc[0]! | ((h & 0x000f) << 12);
  sc[1] = sc[1]! | ((h & 0x00f0) << 8);
  sc[2] = sc[2]! | ((h & 0x0f00) << 4);
  sc[3] = sc[3]! | (h & 0xf000);
  for (let i = 0; i < 4; i++) {
    dst[o + 48 + 2 * i] = sc[i]! & 0xff;
    dst[o + 49 + 2 * i] = sc[i]! >>> 8;
  }
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ1_M, with importance weights if given. */
export function quantizeIq1M(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, imatrix, dst, QK, BLOCK_BYTES, quantizeBlock);
}
