// IQ3_S (110 bytes per 256 values): fp16 d; qs[64] = low bytes of 9-bit grid indices, one per 4
// values (512-point grid); qh[8] = their high bits; signs[32], one bit per value; scales[4], 4 bits
// per 32 values: d*(1+2s). ggml's quantize_row_iq3_s_impl (block size 32).
//
// ggml quirk kept on purpose: a 32-value sub-block that is exactly zero writes nothing and does not
// advance the qs/signs cursors, so the next sub-blocks' bytes land earlier (qh bits do not shift).
import { writeF16 } from '../block-bytes.ts';
import { gridIndexOf } from './iq-grid-assign.ts';
import { latticeSearch } from './iq-lattice-search.ts';
import type { ScaleSearchConfig } from './iq-scale-search.ts';
import { sumSquares } from './iq-signs.ts';
import { importanceWeights, prepareSubBlock, searchPositiveScale, squareWeights, subBlockScaleCode, subBlockScratch } from './iq-subblock.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';

const fround = Math.fround;
const QK = 256;
const BLOCK_BYTES = 110;
/** ggml's fudge factor on the stored super-block scale. */
const D_FUDGE = fround(1.033);

let cfg: ScaleSearchConfig | undefined;
const sub = subBlockScratch(32, { evenParity: false });
const scales = new Float32Array(8);

function config(): ScaleSearchConfig {
  cfg ??= { search: latticeSearch('iq3s'), n: 32, maxLevel: 7, range: 9, step: fround(0.2), refine: 'all' };
  return cfg;
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array | null, qo: number, dst: Uint8Array, o: number): void {
  const c = config();
  dst.fill(0, o, o + BLOCK_BYTES);
  let maxScale = 0;
  const sigma2 = fround(fround(2 * sumSquares(x, xo, QK)) / QK);
  let qsO = o + 2;
  const qhO = o + 66;
  let signsO = o + 74;
  for (let ib = 0; ib < 8; ib++) {
    const bo = xo + 32 * ib;
    if (qw) importanceWeights(x, bo, qw, qo + 32 * ib, 32, sigma2, sub.weight);
    else squareWeights(x, bo, 32, sub.weight);
    const max = prepareSubBlock(x, bo, sub);
    if (max === 0) {
      scales[ib] = 0;
      continue;
    }
    const scale = searchPositiveScale(c, sub, max, fround(max / 15), false);
    for (let k = 0; k < 8; k++) {
      const gridIndex = gridIndexOf(c.search, sub.search.L, 4 * k);
      dst[qsO + k] = gridIndex & 255;
      const bit = ib * 8 + k;
      dst[qhO + (bit >> 3)]! |= (gridIndex >> 8) << (bit % 8);
    }
    qsO += 8;
    for (let k = 0; k < 4; k++) dst[signsO + k] = sub.signs[k]!;
    signsO += 4;
    scales[ib] = scale;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale === 0) return;
  const d = fround(maxScale / 31);
  writeF16(dst, o, fround(d * D_FUDGE));
  const id = fround(1 / d);
  for (let ib = 0; ib < 8; ib += 2) {
    dst[o + 106 + (ib >> 1)] = subBlockScaleCode(id, scales[ib]!, 15) | (subBlockScaleCode(id, scales[ib + 1]!, 15) << 4);
  }
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ3_S, with importance weights if given. */
export function quantizeIq3S(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, imatrix, dst, QK, BLOCK_BYTES, quantizeBlock);
}
