// IQ1_S and IQ1_M: values d*(2s+1)*(grid ± 1/8) with grid points of {-1, 0, 1} (2048 points of 8).
// ggml's quantize_row_iq1_s_impl (an imatrix is required: the caller refuses a missing one) and
// quantize_row_iq1_m_impl (with or without).
//   IQ1_S (50 bytes): fp16 d; 32 low bytes of 11-bit grid indices, one per 8 values; 8 uint16,
//     one per 32 values: the 3 index high bits of its 4 groups, a 3-bit scale at bits 12..14 and
//     the delta sign at bit 15.
//   IQ1_M (56 bytes): 32 low index bytes; 16 bytes, one per 16 values: per group of 8 a nibble of
//     3 index high bits and a delta sign bit (0x08 / 0x80); 4 uint16, each four 3-bit scales in
//     bits 0..11 and one nibble of the fp16 super-block scale in bits 12..15.
import { f16Bits, storeF16 } from './f16';
import { FLT_MAX } from './iq-neighbour';
import { IQ1S_GRID, gridSlots } from './iq-lattice';
import { CODES, INDEX, LEVELS, SCALES, WEIGHT } from './iq-scratch';
import { importanceWeights, squareWeights, subBlockScaleCode } from './iq-subblock';
import { sumSquares } from './numerics';
import { ORDER, X_M, X_P, largestMagnitude, mirrorLevels, refitScale, snapGroups, sortOrder, splitLevels } from './iq1-common';

export const IQ1_S_BYTES = 50;
export const IQ1_M_BYTES = 56;
const EPS_S: f32 = 1e-12;
const EPS_M: f32 = 1e-7;
/** ggml's fudge factors on the stored super-block scales. */
const D_FUDGE_S: f32 = 1.125;
const D_FUDGE_M: f32 = 1.1125;

/** Running sums of w*x and w over the sorted values (IQ1_S). */
const SUMX: usize = memory.data(33 * 4, 16);
const SUMW: usize = memory.data(33 * 4, 16);

// @ts-ignore: decorator
@inline function f(table: usize, i: i32): f32 {
  return load<f32>(table + (<usize>i << 2));
}

/** The split search's winner: its scale is returned, its delta sign or combination here. */
let bestShift = 0;

/** IQ1_S's search over every split of the 32 sorted values into levels 0/1/2, both delta signs. */
function splitSearch1S(x: usize, max: f32): f32 {
  store<f32>(SUMX, 0);
  store<f32>(SUMW, 0);
  for (let j = 0; j < 32; j++) {
    const i = load<i32>(ORDER + (<usize>j << 2));
    const w = f(WEIGHT, i);
    store<f32>(SUMX + (<usize>(j + 1) << 2), f(SUMX, j) + w * f(x, i));
    store<f32>(SUMW + (<usize>(j + 1) << 2), f(SUMW, j) + w);
  }
  let bestScore = -FLT_MAX;
  let scale = max;
  let besti1 = -1;
  let besti2 = -1;
  bestShift = 0;
  const sx0 = f(SUMX, 0);
  const sw0 = f(SUMW, 0);
  const sxN = f(SUMX, 32);
  const swN = f(SUMW, 32);
  const p0 = f(X_P, 0), p1 = f(X_P, 1), p2 = f(X_P, 2);
  const m0 = f(X_M, 0), m1 = f(X_M, 1), m2 = f(X_M, 2);
  for (let i1 = 0; i1 <= 32; i1++) {
    const sx1 = f(SUMX, i1);
    const sw1 = f(SUMW, i1);
    const xa = sx1 - sx0;
    const wa = sw1 - sw0;
    for (let i2 = i1; i2 <= 32; i2++) {
      const sx2 = f(SUMX, i2);
      const sw2 = f(SUMW, i2);
      const xb = sx2 - sx1;
      const xc = sxN - sx2;
      const wb = sw2 - sw1;
      const wc = swN - sw2;
      let sumqx = xa * p0 + xb * p1 + xc * p2;
      let sumq2 = wa * p0 * p0 + wb * p1 * p1 + wc * p2 * p2;
      if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
        scale = sumqx / sumq2;
        bestScore = scale * sumqx;
        besti1 = i1;
        besti2 = i2;
        bestShift = 1;
      }
      sumqx = xa * m0 + xb * m1 + xc * m2;
      sumq2 = wa * m0 * m0 + wb * m1 * m1 + wc * m2 * m2;
      if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
        scale = sumqx / sumq2;
        bestScore = scale * sumqx;
        besti1 = i1;
        besti2 = i2;
        bestShift = -1;
      }
    }
  }
  if (besti1 < 0 || besti2 < 0 || bestShift == 0) return NaN;
  splitLevels(32, besti1, besti2);
  return scale;
}

export function iq1S(x: usize, qw: usize, o: usize): void {
  memory.fill(o, 0, IQ1_S_BYTES);
  let maxScale: f32 = 0;
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  const qh = CODES; // uint16 per sub-block, then the shift (int8) at CODES + 16 + ib
  for (let ib = 0; ib < 8; ib++) {
    const xb = x + (<usize>ib << 7);
    importanceWeights(xb, qw + (<usize>ib << 7), 32, sigma2);
    const max = largestMagnitude(xb, 32);
    store<f32>(SCALES + (<usize>ib << 2), 0);
    store<u16>(qh + (<usize>ib << 1), 0);
    store<i8>(CODES + 16 + ib, 1);
    if (max < EPS_S) continue;
    sortOrder(xb, 32);
    let scale = splitSearch1S(xb, max);
    if (isNaN(scale)) continue;
    let shift = bestShift;
    if (scale < 0) {
      mirrorLevels(32);
      scale = -scale;
      shift = -shift;
    }
    const xx = shift == 1 ? X_P : X_M;
    if (!snapGroups(xb, 32, scale, xx, xx)) scale = refitScale(xb, 32, xx, xx, scale);
    let h = 0;
    for (let k = 0; k < 4; k++) {
      const index = load<i32>(INDEX + (<usize>k << 2));
      store<u8>(o + 2 + 4 * ib + k, <u8>index);
      h |= (index >> 8) << (3 * k);
    }
    store<u16>(qh + (<usize>ib << 1), <u16>h);
    store<f32>(SCALES + (<usize>ib << 2), scale);
    store<i8>(CODES + 16 + ib, <i8>shift);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale != 0) {
    const d = maxScale / <f32>15;
    storeF16(o, d * D_FUDGE_S);
    const id = <f32>1 / d;
    for (let ib = 0; ib < 8; ib++) {
      let l = subBlockScaleCode(id, f(SCALES, ib), 7);
      if (load<i8>(CODES + 16 + ib) == -1) l |= 8;
      store<u16>(qh + (<usize>ib << 1), load<u16>(qh + (<usize>ib << 1)) | <u16>(l << 12));
    }
  }
  memory.copy(o + 34, qh, 16);
}

/**
 * IQ1_M's quant values of combination k for group g of a sub-block: delta sign (k < 2 ? + : -)
 * for the first 8 values, (k even ? + : -) for the last 8.
 */
// @ts-ignore: decorator
@inline function groupValues(k: i32, g: i32): usize {
  return g == 0 ? (k < 2 ? X_P : X_M) : (k & 1) == 0 ? X_P : X_M;
}

/**
 * Terms of IQ1_M's split search per sorted position j, combination k and level: w*v*x and w*v*v
 * with v the quant value, rounded as ggml rounds them. Index (j*4 + k)*3 + level.
 */
const TERM_X: usize = memory.data(16 * 4 * 3 * 4, 16);
const TERM_Q: usize = memory.data(16 * 4 * 3 * 4, 16);
/** Running sums of the 4 combinations (qx then q2): after the level-0 prefix, and the level-0/1 prefix. */
const PREFIX0: usize = memory.data(8 * 4, 16);
const PREFIX01: usize = memory.data(8 * 4, 16);

/** sums[k] += termX, sums[4+k] += termQ of sorted position j at `level`, for the 4 combinations. */
function addTerms(sums: usize, j: i32, level: i32): void {
  for (let k = 0; k < 4; k++) {
    const t = (j * 4 + k) * 3 + level;
    store<f32>(sums + (<usize>k << 2), f(sums, k) + f(TERM_X, t));
    store<f32>(sums + (<usize>(4 + k) << 2), f(sums, 4 + k) + f(TERM_Q, t));
  }
}

/**
 * IQ1_M's search over every split of the 16 sorted values into levels 0/1/2 and the 4 delta
 * combinations; writes LEVELS, sets bestShift to the combination and returns the scale (NaN when
 * no split has a positive sumq2). ggml recomputes each split's sums from scratch in sorted order;
 * the running sum over the first positions is the same for every split that shares those
 * positions' levels, so the level-0 and level-0/1 prefixes are carried along and only the level-2
 * tail is re-added: the same float32 additions in the same order, hence the same sums.
 */
function splitSearch1M(x: usize, max: f32): f32 {
  for (let j = 0; j < 16; j++) {
    const i = load<i32>(ORDER + (<usize>j << 2));
    const w = f(WEIGHT, i);
    const xi = f(x, i);
    for (let k = 0; k < 4; k++) {
      const values = groupValues(k, i < 8 ? 0 : 1);
      for (let level = 0; level < 3; level++) {
        const v = f(values, level);
        const wv = w * v;
        const t = <usize>((j * 4 + k) * 3 + level) << 2;
        store<f32>(TERM_X + t, wv * xi);
        store<f32>(TERM_Q + t, wv * v);
      }
    }
  }
  let bestScore = -FLT_MAX;
  let scale = max;
  let besti1 = -1;
  let besti2 = -1;
  let bestK = -1;
  memory.fill(PREFIX0, 0, 32);
  for (let i1 = 0; i1 <= 16; i1++) {
    if (i1 > 0) addTerms(PREFIX0, i1 - 1, 0);
    memory.copy(PREFIX01, PREFIX0, 32);
    for (let i2 = i1; i2 <= 16; i2++) {
      if (i2 > i1) addTerms(PREFIX01, i2 - 1, 1);
      for (let k = 0; k < 4; k++) {
        let qx = f(PREFIX01, k);
        let q2 = f(PREFIX01, 4 + k);
        for (let j = i2; j < 16; j++) {
          const t = (j * 4 + k) * 3 + 2;
          qx += f(TERM_X, t);
          q2 += f(TERM_Q, t);
        }
        if (q2 > 0 && qx * qx > bestScore * q2) {
          scale = qx / q2;
          bestScore = scale * qx;
          besti1 = i1;
          besti2 = i2;
          bestK = k;
        }
      }
    }
  }
  bestShift = bestK;
  if (besti1 < 0 || besti2 < 0 || bestK < 0) return NaN;
  splitLevels(16, besti1, besti2);
  return scale;
}

function weights1M(xb: usize, qw: usize, sigma2: f32): void {
  if (qw != 0) importanceWeights(xb, qw, 16, sigma2);
  else squareWeights(xb, 16);
}

export function iq1M(x: usize, qw: usize, o: usize): void {
  memory.fill(o, 0, IQ1_M_BYTES);
  const qh = o + 32;
  let maxScale: f32 = 0;
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  for (let ib = 0; ib < 16; ib++) {
    const xb = x + (<usize>ib << 6);
    weights1M(xb, qw == 0 ? 0 : qw + (<usize>ib << 6), sigma2);
    const max = largestMagnitude(xb, 16);
    store<f32>(SCALES + (<usize>ib << 2), 0);
    store<u8>(CODES + ib, 0);
    if (max < EPS_M) continue;
    sortOrder(xb, 16);
    let scale = splitSearch1M(xb, max);
    if (isNaN(scale)) continue;
    let k3 = bestShift;
    if (scale < 0) {
      mirrorLevels(16);
      scale = -scale;
      k3 = 3 - k3;
    }
    const v0 = groupValues(k3, 0);
    const v1 = groupValues(k3, 1);
    if (!snapGroups(xb, 16, scale, v0, v1)) scale = refitScale(xb, 16, v0, v1, scale);
    const i0 = load<i32>(INDEX);
    const i1 = load<i32>(INDEX + 4);
    store<u8>(o + 2 * ib, <u8>i0);
    store<u8>(o + 2 * ib + 1, <u8>i1);
    store<u8>(qh + ib, <u8>((i0 >> 8) | ((i1 >> 8) << 4)));
    store<f32>(SCALES + (<usize>ib << 2), scale);
    store<u8>(CODES + ib, <u8>k3);
    maxScale = maxScale > scale ? maxScale : scale;
  }
  if (maxScale == 0) return;
  // The stored d is refit over the whole super-block with the rounded sub-block scales.
  let d = maxScale / <f32>15;
  const id = <f32>1 / d;
  const slots = gridSlots(IQ1S_GRID);
  let qx: f32 = 0;
  let q2: f32 = 0;
  let sc0: u32 = 0, sc1: u32 = 0, sc2: u32 = 0, sc3: u32 = 0;
  for (let ib = 0; ib < 16; ib++) {
    const l = subBlockScaleCode(id, f(SCALES, ib), 7);
    const code = <u32>l << (3 * (ib & 3));
    if (ib < 4) sc0 |= code;
    else if (ib < 8) sc1 |= code;
    else if (ib < 12) sc2 |= code;
    else sc3 |= code;
    const k3 = <i32>load<u8>(CODES + ib);
    // qh delta bits for the (first group, second group) delta signs of combination k3.
    const h = <i32>load<u8>(qh + ib) | (k3 == 0 ? 0x00 : k3 == 1 ? 0x80 : k3 == 2 ? 0x08 : 0x88);
    store<u8>(qh + ib, <u8>h);
    const xb = x + (<usize>ib << 6);
    weights1M(xb, qw == 0 ? 0 : qw + (<usize>ib << 6), sigma2);
    const m = <f32>(l * 2 + 1);
    for (let g = 0; g < 2; g++) {
      const xx = groupValues(k3, g);
      const p = <i32>load<u8>(o + 2 * ib + g) + ((h << (8 - 4 * g)) & 0x700);
      const s = load<u64>(slots + (<usize>p << 3));
      for (let j = 0; j < 8; j++) {
        const level = <i32>((s >> (8 * j)) & 0xff) >> 5;
        const w = f(WEIGHT, 8 * g + j);
        const q = f(xx, level) * m;
        qx += w * q * f(xb, 8 * g + j);
        q2 += w * q * q;
      }
    }
  }
  if (q2 > 0) d = qx / q2;
  const hd = f16Bits(d * D_FUDGE_M);
  sc0 |= (hd & 0x000f) << 12;
  sc1 |= (hd & 0x00f0) << 8;
  sc2 |= (hd & 0x0f00) << 4;
  sc3 |= hd & 0xf000;
  store<u16>(o + 48, <u16>sc0);
  store<u16>(o + 50, <u16>sc1);
  store<u16>(o + 52, <u16>sc2);
  store<u16>(o + 54, <u16>sc3);
}
