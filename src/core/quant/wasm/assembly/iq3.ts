// IQ3_XXS and IQ3_S: 256-value super-blocks of 4-value groups on D4-lattice grids (256 and 512
// points), with importance weights or, without an imatrix, x². ggml's quantize_row_iq3_xxs_impl
// (grid size 256) and quantize_row_iq3_s_impl (block size 32).
//   IQ3_XXS (98 bytes): fp16 d; 64 grid indices; per 32 values a uint32 of four 7-bit sign
//     patterns and a 4-bit scale s: d*(0.5+s)/2.
//   IQ3_S (110 bytes): fp16 d; 64 low bytes of 9-bit indices; 8 bytes of their high bits; 32 sign
//     bytes (one bit per value); 4 bytes of 4-bit scales, one per 32 values: d*(1+2s).
// ggml quirk kept on purpose (IQ3_S): a 32-value sub-block that is exactly zero writes nothing and
// does not advance the index and sign cursors, so the next sub-blocks' bytes land earlier (the
// high bits do not shift).
import { storeF16 } from './f16';
import { IQ3S_GRID, IQ3XXS_GRID } from './iq-lattice';
import { REFINE_ALL, REFINE_OFF_GRID } from './iq-scale-search';
import { CODES, INDEX, SCALES, SIGNS } from './iq-scratch';
import { importanceWeights, prepareSubBlock, searchPositiveScale, squareWeights, subBlockScaleCode } from './iq-subblock';
import { sumSquares } from './numerics';

export const IQ3_XXS_BYTES = 98;
export const IQ3_S_BYTES = 110;
const EPS: f32 = 1e-8;
const FIFTH: f32 = 0.2;
/** ggml's fudge factors on the stored super-block scales. */
const D_FUDGE_XXS: f32 = 1.0125;
const D_FUDGE_S: f32 = 1.033;

function weights(xb: usize, qw: usize, sigma2: f32): void {
  if (qw != 0) importanceWeights(xb, qw, 32, sigma2);
  else squareWeights(xb, 32);
}

export function iq3Xxs(x: usize, qw: usize, o: usize): void {
  memory.fill(o, 0, IQ3_XXS_BYTES);
  let maxScale: f32 = 0;
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  for (let ib = 0; ib < 8; ib++) {
    const xb = x + (<usize>ib << 7);
    weights(xb, qw == 0 ? 0 : qw + (<usize>ib << 7), sigma2);
    const sc = SCALES + (<usize>ib << 2);
    const signWord = CODES + (<usize>ib << 2);
    store<u32>(signWord, 0);
    const max = prepareSubBlock(xb, 32, true);
    if (max < EPS) {
      store<f32>(sc, 0);
      continue;
    }
    const scale = searchPositiveScale(IQ3XXS_GRID, 4, 32, 7, 15, FIFTH, REFINE_OFF_GRID, true, max, max / <f32>15, true);
    for (let k = 0; k < 8; k++) store<u8>(o + 2 + 8 * ib + k, <u8>load<i32>(INDEX + (<usize>k << 2)));
    store<u32>(signWord, <u32>load<u8>(SIGNS) | (<u32>load<u8>(SIGNS + 1) << 7) | (<u32>load<u8>(SIGNS + 2) << 14) | (<u32>load<u8>(SIGNS + 3) << 21));
    store<f32>(sc, scale);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale == 0) {
    memory.fill(o, 0, IQ3_XXS_BYTES);
    return;
  }
  const d = maxScale / <f32>31;
  storeF16(o, d * D_FUDGE_XXS);
  const id = <f32>1 / d;
  for (let ib = 0; ib < 8; ib++) {
    const code = <u32>subBlockScaleCode(id, load<f32>(SCALES + (<usize>ib << 2)), 15);
    store<u32>(o + 66 + 4 * ib, load<u32>(CODES + (<usize>ib << 2)) | (code << 28));
  }
}

export function iq3S(x: usize, qw: usize, o: usize): void {
  memory.fill(o, 0, IQ3_S_BYTES);
  let maxScale: f32 = 0;
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  let qs = o + 2;
  const qh = o + 66;
  let signs = o + 74;
  for (let ib = 0; ib < 8; ib++) {
    const xb = x + (<usize>ib << 7);
    weights(xb, qw == 0 ? 0 : qw + (<usize>ib << 7), sigma2);
    const sc = SCALES + (<usize>ib << 2);
    const max = prepareSubBlock(xb, 32, false);
    if (max == 0) {
      store<f32>(sc, 0);
      continue;
    }
    const scale = searchPositiveScale(IQ3S_GRID, 4, 32, 7, 9, FIFTH, REFINE_ALL, false, max, max / <f32>15, false);
    for (let k = 0; k < 8; k++) {
      const gridIndex = load<i32>(INDEX + (<usize>k << 2));
      store<u8>(qs + k, <u8>gridIndex);
      store<u8>(qh + ib, load<u8>(qh + ib) | <u8>((gridIndex >> 8) << k));
    }
    qs += 8;
    store<u32>(signs, load<u32>(SIGNS));
    signs += 4;
    store<f32>(sc, scale);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale == 0) return;
  const d = maxScale / <f32>31;
  storeF16(o, d * D_FUDGE_S);
  const id = <f32>1 / d;
  for (let ib = 0; ib < 8; ib += 2) {
    const lo = subBlockScaleCode(id, load<f32>(SCALES + (<usize>ib << 2)), 15);
    const hi = subBlockScaleCode(id, load<f32>(SCALES + (<usize>ib << 2) + 4), 15);
    store<u8>(o + 106 + (ib >> 1), <u8>(lo | (hi << 4)));
  }
}
