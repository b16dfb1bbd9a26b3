// IQ2_S (82 bytes per 256 values): fp16 d; qs[64] = 32 low bytes of 10-bit grid indices
// (1024-point grid), then 32 full sign bytes; qh[8] = the index high bits, 2 per group; scales[8],
// 4 bits per 16 values: d*(0.5+s)/4. ggml's quantize_row_iq2_s_impl; works with or without imatrix.
import { writeF16 } from '../block-bytes.ts';
import { gridIndexOf } from './iq-grid-assign.ts';
import { latticeSearch } from './iq-lattice-search.ts';
import type { ScaleSearchConfig } from './iq-scale-search.ts';
import { sumSquares } from './iq-signs.ts';
import { importanceWeights, prepareSubBlock, searchPositiveScale, subBlockScaleCode, subBlockScratch } from './iq-subblock.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK = 256;
const BLOCK_BYTES = 82;
const GROUP_MAX_EPS = fround(1e-8);
const QUARTER = 0.25;
/** ggml's fudge factor on the stored super-block scale. */
const D_FUDGE = fround(0.9875);

let cfg: ScaleSearchConfig | undefined;
const sub = subBlockScratch(16, { evenParity: false });
const scales = new Float32Array(16);

function config(): ScaleSearchConfig {
  cfg ??= { search: latticeSearch('iq2s'), n: 16, maxLevel: 2, range: 9, step: fround(0.1), refine: 'offGrid' };
  return cfg;
}

/** IQ2_S's weights without an imatrix: sigma2/4 + x² (the IQ3_* use x² alone). */
function unweighted(x: Float32Array, bo: number, sigma2: number): void {
  for (let i = 0; i < 16; i++) {
    const v = x[bo + i]!;
    sub.weight[i] = fround(fround(QUARTER * sigma2) + fround(v * v));
  }
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array | null, qo: number, dst: Uint8Array, o: number): void {
  const c = config();
  dst.fill(0, o, o + BLOCK_BYTES);
  let maxScale = 0;
  const sigma2 = fround(fround(2 * sumSquares(x, xo, QK)) / QK);
  const qsO = o + 2;
  const qhO = o + 66;
  for (let ib = 0; ib < 16; ib++) {
    const bo = xo + 16 * ib;
    if (qw) importanceWeights(x, bo, qw, qo + 16 * ib, 16, sigma2, sub.weight);
    else unweighted(x, bo, sigma2);
    const max = prepareSubBlock(x, bo, sub);
    if (max < GROUP_MAX_EPS) {
      scales[ib] = 0;
      continue;
    }
    const scale = searchPositiveScale(c, sub, max, fround(max / 5), true);
    for (let k = 0; k < 2; k++) {
      const gridIndex = gridIndexOf(c.search, sub.search.L, 8 * k);
      const i8 = 2 * ib + k;
      dst[qsO + i8] = gridIndex & 255;
      dst[qhO + (i8 >> 2)]! |= (gridIndex >> 8) << (2 * (i8 % 4));
      dst[qsO + 32 + i8] = sub.signs[k]!;
    }
    scales[ib] = scale;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale === 0) return;
  const d = fround(maxScale / 31);
  writeF16(dst, o, fround(d * D_FUDGE));
  const id = fround(1 / d);
  for (let ib = 0; ib < 16; ib++) {
    const l = subBlockScaleCode(id, scales[ib]!, 15);
    dst[o + 74 + (ib >> 1)]! |= ib % 2 === 0 ? l : l << 4;
  }
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ2_S, with importance weights if given. */
export function quantizeIq2S(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, imatrix, dst, QK, BLOCK_BYTES, quantizeBlock);
}
