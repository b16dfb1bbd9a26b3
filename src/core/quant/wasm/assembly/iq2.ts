// IQ2_XXS, IQ2_XS and IQ2_S: 256-value super-blocks of 8-value groups on E8-lattice grids (256,
// 512 and 1024 points) with per-group signs and 4-bit sub-block scales d*(0.5+s)/4. ggml's
// quantize_row_iq2_{xxs,xs,s}_impl; IQ2_XXS and IQ2_XS require importance weights (the caller
// refuses a missing imatrix), IQ2_S runs with or without.
//   IQ2_XXS (66 bytes): fp16 d, then per 32 values two uint32: four 8-bit grid indices, then four
//     7-bit sign patterns and the 4-bit scale.
//   IQ2_XS (74 bytes): fp16 d; 32 uint16, each a 9-bit grid index and 7 sign bits; 8 bytes of
//     4-bit scales, one per 16 values.
//   IQ2_S (82 bytes): fp16 d; 32 low bytes of 10-bit indices, 32 sign bytes; 8 bytes of index high
//     bits (2 per group); 8 bytes of 4-bit scales, one per 16 values.
import { storeF16 } from './f16';
import { IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID } from './iq-lattice';
import { REFINE_ALWAYS_ALL, REFINE_OFF_GRID } from './iq-scale-search';
import { INDEX, SCALES, SIGNS, WEIGHT, XVAL } from './iq-scratch';
import { importanceWeights, prepareSubBlock, searchPositiveScale, subBlockScaleCode } from './iq-subblock';
import { sumSquares } from './numerics';
import { makeQp } from './make-qp';

export const IQ2_XXS_BYTES = 66;
export const IQ2_XS_BYTES = 74;
export const IQ2_S_BYTES = 82;
const EPS_XXS: f32 = 1e-15;
const EPS_S: f32 = 1e-8;
const TENTH: f32 = 0.1;
const QUARTER: f32 = 0.25;
/** ggml's fudge factor on IQ2_S's stored super-block scale. */
const D_FUDGE_S: f32 = 0.9875;

/** make_qp_quants's levels (unused afterwards: the search starts from zero levels). */
const QP_LEVELS: usize = memory.data(32, 16);
/** IQ2_XXS's 16 words, IQ2_XS's 32 codes. */
const WORDS: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline function index(k: i32): i32 {
  return load<i32>(INDEX + (<usize>k << 2));
}

export function iq2Xxs(x: usize, qw: usize, o: usize): void {
  memory.fill(WORDS, 0, 64);
  let maxScale: f32 = 0;
  const sigma2 = sumSquares(x, 256) / <f32>256;
  for (let ib = 0; ib < 8; ib++) {
    const xb = x + (<usize>ib << 7);
    importanceWeights(xb, qw + (<usize>ib << 7), 32, sigma2);
    const sc = SCALES + (<usize>ib << 2);
    if (prepareSubBlock(xb, 32, true) < EPS_XXS) {
      store<f32>(sc, 0);
      continue;
    }
    const qpScale = makeQp(32, 4, XVAL, QP_LEVELS, WEIGHT);
    const effMax = qpScale * <f32>3;
    if (effMax <= 0) {
      store<f32>(sc, 0);
      continue;
    }
    const scale = searchPositiveScale(IQ2XXS_GRID, 8, 32, 2, 6, TENTH, REFINE_ALWAYS_ALL, true, effMax, qpScale, true);
    let indexWord: u32 = 0;
    let signWord: u32 = 0;
    for (let k = 0; k < 4; k++) {
      indexWord |= <u32>index(k) << (8 * k);
      signWord |= <u32>load<u8>(SIGNS + k) << (7 * k);
    }
    store<u32>(WORDS + (<usize>ib << 3), indexWord);
    store<u32>(WORDS + (<usize>ib << 3) + 4, signWord);
    store<f32>(sc, scale);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  memory.fill(o, 0, IQ2_XXS_BYTES);
  if (maxScale == 0) return;
  const d = maxScale / <f32>31;
  storeF16(o, d);
  const id = <f32>1 / d;
  for (let ib = 0; ib < 8; ib++) {
    const at = WORDS + (<usize>ib << 3) + 4;
    store<u32>(at, load<u32>(at) | (<u32>subBlockScaleCode(id, load<f32>(SCALES + (<usize>ib << 2)), 15) << 28));
  }
  memory.copy(o + 2, WORDS, 64);
}

export function iq2Xs(x: usize, qw: usize, o: usize): void {
  memory.fill(WORDS, 0, 64);
  let maxScale: f32 = 0;
  const sigma2 = sumSquares(x, 256) / <f32>256;
  for (let ib = 0; ib < 16; ib++) {
    const xb = x + (<usize>ib << 6);
    importanceWeights(xb, qw + (<usize>ib << 6), 16, sigma2);
    const sc = SCALES + (<usize>ib << 2);
    const max = prepareSubBlock(xb, 16, true);
    if (max < EPS_XXS) {
      store<f32>(sc, 0);
      continue;
    }
    const scale = searchPositiveScale(IQ2XS_GRID, 8, 16, 2, 9, TENTH, REFINE_OFF_GRID, true, max, max / <f32>5, true);
    for (let k = 0; k < 2; k++) {
      store<u16>(WORDS + (<usize>(2 * ib + k) << 1), <u16>(index(k) | (<i32>load<u8>(SIGNS + k) << 9)));
    }
    store<f32>(sc, scale);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  memory.fill(o, 0, IQ2_XS_BYTES);
  if (maxScale == 0) return;
  const d = maxScale / <f32>31;
  storeF16(o, d);
  const id = <f32>1 / d;
  storeScaleNibbles(o + 66, id);
  memory.copy(o + 2, WORDS, 64);
}

/** 16 sub-block scale codes, two to a byte (low nibble first), at s. */
function storeScaleNibbles(s: usize, id: f32): void {
  for (let ib = 0; ib < 16; ib += 2) {
    const lo = subBlockScaleCode(id, load<f32>(SCALES + (<usize>ib << 2)), 15);
    const hi = subBlockScaleCode(id, load<f32>(SCALES + (<usize>ib << 2) + 4), 15);
    store<u8>(s + (ib >> 1), <u8>(lo | (hi << 4)));
  }
}

export function iq2S(x: usize, qw: usize, o: usize): void {
  memory.fill(o, 0, IQ2_S_BYTES);
  let maxScale: f32 = 0;
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  const qs = o + 2;
  const qh = o + 66;
  for (let ib = 0; ib < 16; ib++) {
    const xb = x + (<usize>ib << 6);
    if (qw != 0) {
      importanceWeights(xb, qw + (<usize>ib << 6), 16, sigma2);
    } else {
      // Without an imatrix: sigma2/4 + x² (the IQ3 types use x² alone).
      const base = QUARTER * sigma2;
      for (let i = 0; i < 16; i++) {
        const v = load<f32>(xb + (<usize>i << 2));
        store<f32>(WEIGHT + (<usize>i << 2), base + v * v);
      }
    }
    const sc = SCALES + (<usize>ib << 2);
    const max = prepareSubBlock(xb, 16, false);
    if (max < EPS_S) {
      store<f32>(sc, 0);
      continue;
    }
    const scale = searchPositiveScale(IQ2S_GRID, 8, 16, 2, 9, TENTH, REFINE_OFF_GRID, false, max, max / <f32>5, true);
    for (let k = 0; k < 2; k++) {
      const gridIndex = index(k);
      const i8 = 2 * ib + k;
      store<u8>(qs + i8, <u8>gridIndex);
      store<u8>(qh + (i8 >> 2), load<u8>(qh + (i8 >> 2)) | <u8>((gridIndex >> 8) << (2 * (i8 & 3))));
      store<u8>(qs + 32 + i8, load<u8>(SIGNS + k));
    }
    store<f32>(sc, scale);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale == 0) return;
  const d = maxScale / <f32>31;
  storeF16(o, d * D_FUDGE_S);
  storeScaleNibbles(o + 74, <f32>1 / d);
}
