// IQ3_XXS (98 bytes per 256 values): fp16 d; qs[64] = 8-bit grid indices, one per 4 values
// (256-point D4 grid); then per 32 values a uint32: four 7-bit sign patterns and a 4-bit scale s,
// value d*(0.5+s)/2 * grid * sign. ggml's quantize_row_iq3_xxs_impl (grid size 256).
import { writeF16, writeU32 } from '../block-bytes.ts';
import { gridIndexOf } from './iq-grid-assign.ts';
import { latticeSearch } from './iq-lattice-search.ts';
import type { ScaleSearchConfig } from './iq-scale-search.ts';
import { sumSquares } from './iq-signs.ts';
import { importanceWeights, prepareSubBlock, searchPositiveScale, squareWeights, subBlockScaleCode, subBlockScratch } from './iq-subblock.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK = 256;
const BLOCK_BYTES = 98;
const GROUP_MAX_EPS = fround(1e-8);
/** ggml's fudge factor on the stored super-block scale. */
const D_FUDGE = fround(1.0125);

let cfg: ScaleSearchConfig | undefined;
const sub = subBlockScratch(32, { evenParity: true });
const scales = new Float32Array(8);
const signWords = new Uint32Array(8);

function config(): ScaleSearchConfig {
  cfg ??= { search: latticeSearch('iq3xxs'), n: 32, maxLevel: 7, range: 15, step: fround(0.2), refine: 'offGrid' };
  return cfg;
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array | null, qo: number, dst: Uint8Array, o: number): void {
  const c = config();
  dst.fill(0, o, o + BLOCK_BYTES);
  signWords.fill(0);
  let maxScale = 0;
  const sigma2 = fround(fround(2 * sumSquares(x, xo, QK)) / QK);
  for (let ib = 0; ib < 8; ib++) {
    const bo = xo + 32 * ib;
    if (qw) importanceWeights(x, bo, qw, qo + 32 * ib, 32, sigma2, sub.weight);
    else squareWeights(x, bo, 32, sub.weight);
    const max = prepareSubBlock(x, bo, sub);
    if (max < GROUP_MAX_EPS) {
      scales[ib] = 0;
      continue;
    }
    const scale = searchPositiveScale(c, sub, max, fround(max / 15), true);
    for (let k = 0; k < 8; k++) dst[o + 2 + 8 * ib + k] = gridIndexOf(c.search, sub.search.L, 4 * k);
    signWords[ib] = sub.signs[0]! | (sub.signs[1]! << 7) | (sub.signs[2]! << 14) | (sub.signs[3]! << 21);
    scales[ib] = scale;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale === 0) {
    dst.fill(0, o, o + BLOCK_BYTES);
    return;
  }
  const d = fround(maxScale / 31);
  writeF16(dst, o, fround(d * D_FUDGE));
  const id = fround(1 / d);
  for (let ib = 0; ib < 8; ib++) {
    writeU32(dst, o + 66 + 4 * ib, (signWords[ib]! | (subBlockScaleCode(id, scales[ib]!, 15) << 28)) >>> 0);
  }
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ3_XXS, with importance weights if given. */
export function quantizeIq3Xxs(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, imatrix, dst, QK, BLOCK_BYTES, quantizeBlock);
}
