// IQ2_XS (74 bytes per 256 values): fp16 d; 32 uint16 words, each a 9-bit grid index (512-point
// grid) plus 7 sign bits; then 8 bytes of 4-bit scales, one per 16 values: d*(0.5+s)/4.
// ggml's quantize_row_iq2_xs_impl; an imatrix is required.
import { writeF16 } from '../block-bytes.ts';
import { gridIndexOf } from './iq-grid-assign.ts';
import { latticeSearch } from './iq-lattice-search.ts';
import type { ScaleSearchConfig } from './iq-scale-search.ts';
import { sumSquares } from './iq-signs.ts';
import { importanceWeights, prepareSubBlock, searchPositiveScale, subBlockScaleCode, subBlockScratch } from './iq-subblock.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';
import { requireQuantizerImatrix } from './quantizer-imatrix.ts';

const fround = Math.fround;
const QK = 256;
const BLOCK_BYTES = 74;
const GROUP_MAX_EPS = fround(1e-15);

let cfg: ScaleSearchConfig | undefined;
const sub = subBlockScratch(16, { evenParity: true });
const scales = new Float32Array(16);
const codes = new Uint16Array(32);

function config(): ScaleSearchConfig {
  cfg ??= { search: latticeSearch('iq2xs'), n: 16, maxLevel: 2, range: 9, step: fround(0.1), refine: 'offGrid' };
  return cfg;
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array, qo: number, dst: Uint8Array, o: number): void {
  const c = config();
  codes.fill(0);
  let maxScale = 0;
  const sigma2 = fround(sumSquares(x, xo, QK) / QK);
  for (let ib = 0; ib < 16; ib++) {
    const bo = xo + 16 * ib;
    importanceWeights(x, bo, qw, qo + 16 * ib, 16, sigma2, sub.weight);
    const max = prepareSubBlock(x, bo, sub);
    if (max < GROUP_MAX_EPS) {
      scales[ib] = 0;
      continue;
    }
    const scale = searchPositiveScale(c, sub, max, fround(max / 5), true);
    for (let k = 0; k < 2; k++) codes[2 * ib + k] = gridIndexOf(c.search, sub.search.L, 8 * k) | (sub.signs[k]! << 9);
    scales[ib] = scale;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  dst.fill(0, o, o + BLOCK_BYTES);
  if (maxScale === 0) return;
  const d = fround(maxScale / 31);
  writeF16(dst, o, d);
  const id = fround(1 / d);
  for (let ib = 0; ib < 16; ib++) {
    const l = subBlockScaleCode(id, scales[ib]!, 15);
    dst[o + 66 + (ib >> 1)]! |= ib % 2 === 0 ? l : l << 4;
  }
  for (let w = 0; w < 32; w++) {
    dst[o + 2 + 2 * w] = codes[w]! & 0xff;
    dst[o + 3 + 2 * w] = codes[w]! >>> 8;
  }
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ2_XS; the imatrix is required. */
export function quantizeIq2Xs(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, requireQuantizerImatrix('IQ2_XS', imatrix), dst, QK, BLOCK_BYTES, quantizeBlock);
}
