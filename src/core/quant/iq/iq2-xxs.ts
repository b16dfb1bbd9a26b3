// IQ2_XXS (66 bytes per 256 values): fp16 d, then per 32 values two uint32 words: four 8-bit
// grid indices (256-point E8 grid), then four 7-bit sign patterns and a 4-bit scale s, value
// d*(0.5+s)/4 * grid * sign. ggml's quantize_row_iq2_xxs_impl; an imatrix is required.
import { writeF16, writeU32 } from '../block-bytes.ts';
import { gridIndexOf } from './iq-grid-assign.ts';
import { latticeSearch } from './iq-lattice-search.ts';
import type { ScaleSearchConfig } from './iq-scale-search.ts';
import { sumSquares } from './iq-signs.ts';
import { importanceWeights, prepareSubBlock, searchPositiveScale, subBlockScaleCode, subBlockScratch } from './iq-subblock.ts';
import { makeQpQuants } from '../make-qp-quants.ts';
import { quantizeWeightedBlockRows } from '../weighted-block-rows.ts';
import { requireQuantizerImatrix } from './quantizer-imatrix.ts';

const fround = Math.fround;
const QK = 256;
const BLOCK_BYTES = 66;
const GROUP_MAX_EPS = fround(1e-15);

let cfg: ScaleSearchConfig | undefined;
const sub = subBlockScratch(32, { evenParity: true });
const qpLevels = new Uint8Array(32);
const scales = new Float32Array(8);
const words = new Uint32Array(16);

function config(): ScaleSearchConfig {
  cfg ??= { search: latticeSearch('iq2xxs'), n: 32, maxLevel: 2, range: 6, step: fround(0.1), refine: 'always-all' };
  return cfg;
}

function quantizeBlock(x: Float32Array, xo: number, qw: Float32Array, qo: number, dst: Uint8Array, o: number): void {
  const c = config();
  words.fill(0);
  let maxScale = 0;
  const sigma2 = fround(sumSquares(x, xo, QK) / QK);
  for (let ib = 0; ib < 8; ib++) {
    const bo = xo + 32 * ib;
    importanceWeights(x, bo, qw, qo + 32 * ib, 32, sigma2, sub.weight);
    if (prepareSubBlock(x, bo, sub) < GROUP_MAX_EPS) {
      scales[ib] = 0;
      continue;
    }
    const qpScale = makeQpQuants(32, 3 + 1, sub.xval, qpLevels, sub.weight);
    const effMax = fround(qpScale * 3);
    if (effMax <= 0) {
      scales[ib] = 0;
      continue;
    }
    const scale = searchPositiveScale(c, sub, effMax, qpScale, true);
    let indexWord = 0;
    let signWord = 0;
    for (let k = 0; k < 4; k++) {
      indexWord |= gridIndexOf(c.search, sub.search.L, 8 * k) << (8 * k);
      signWord |= sub.signs[k]! << (7 * k);
    }
    words[2 * ib] = indexWord >>> 0;
    words[2 * ib + 1] = signWord;
    scales[ib] = scale;
    maxScale = maxScale > scale ? maxScale : scale;
  }
  dst.fill(0, o, o + BLOCK_BYTES);
  if (maxScale === 0) return;
  const d = fround(maxScale / 31);
  writeF16(dst, o, d);
  const id = fround(1 / d);
  for (let ib = 0; ib < 8; ib++) {
    words[2 * ib + 1] = (words[2 * ib + 1]! | (subBlockScaleCode(id, scales[ib]!, 15) << 28)) >>> 0;
  }
  for (let w = 0; w < 16; w++) writeU32(dst, o + 2 + 4 * w, words[w]!);
}

/** Quantizes rows of `cols` float32 (cols % 256 == 0) to IQ2_XXS; the imatrix is required. */
export function quantizeIq2Xxs(src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  quantizeWeightedBlockRows(src, cols, requireQuantizerImatrix('IQ2_XXS', imatrix), dst, QK, BLOCK_BYTES, quantizeBlock);
}
