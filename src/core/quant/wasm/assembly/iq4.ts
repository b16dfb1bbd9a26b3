// IQ4_NL {d, qs[16]} and IQ4_XS {d, u16 scales_h, scales_l[4], qs[128]}: 4-bit indices into the
// non-linear table kvalues_iq4nl, nibbles in the Q4_0 layout. Both run ggml's
// quantize_row_iq4_nl_impl with ntry = 7 (the quantize_iq4_* path): IQ4_NL as one 32-value block,
// IQ4_XS as a 256-value super-block of eight with 6-bit block scales (stored +32). Weights are x²
// without an imatrix, qw*sqrt(sigma2 + x²) with one. Float32 in ggml's order; the per-value steps
// four lanes at a time, the sums sequential.
import { storeF16 } from './f16';
import { addLanes } from './lanes';
import { GROUP_MAX_EPS, clampInt, nearestInt, signedMax, sumSquares } from './numerics';

export const IQ4_NL_BYTES = 18;
export const IQ4_XS_BYTES = 136;
const NTRY = 7;

/** kvalues_iq4nl as bytes (a swizzle table) and as float32 lanes. */
const K_BYTES = v128(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
const K0: f32 = -127;

const WEIGHT: usize = memory.data(32 * 4, 16);
/** The levels of the super-block, one byte per value. */
const LEVELS: usize = memory.data(256, 16);
const SCALES: usize = memory.data(8 * 4, 16);
/** The table value of each lane's level, left by bestIndex4. */
let lastValues: v128 = f32x4.splat(0);

/** kvalues_iq4nl[i] of each int32 lane (0..15) as float32. */
// @ts-ignore: decorator
@inline function tableValues(i: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.shr_s(i32x4.shl(i8x16.swizzle(K_BYTES, i), 24), 24));
}

/**
 * best_index_int8 on each lane: the nearest table entry, exact ties to the upper one. ggml
 * bisects to the pair K[ml] <= x < K[ml+1]; ml is also the count of K[1..14] <= x, taken here as
 * 14 minus the count of those above x, which gives ggml's result for NaN too (the upper entry 15)
 * and for x beyond either end. The lanes' table values are left in lastValues.
 */
function bestIndex4(x: v128): v128 {
  let above = i32x4.splat(0);
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-104)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-83)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-65)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-49)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-35)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-22)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(-10)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(1)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(13)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(25)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(38)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(53)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(69)));
  above = i32x4.add(above, f32x4.lt(x, f32x4.splat(89)));
  const ml = i32x4.add(i32x4.splat(14), above); // the masks are -1
  const mu = i32x4.add(ml, i32x4.splat(1));
  const lo = tableValues(ml);
  const hi = tableValues(mu);
  const lower = f32x4.lt(f32x4.sub(x, lo), f32x4.sub(hi, x));
  lastValues = v128.bitselect(lo, hi, lower);
  return v128.bitselect(ml, mu, lower);
}

/** Stores the int32 lanes of l (0..15) as four bytes at dst. */
// @ts-ignore: decorator
@inline function storeLevels4(dst: usize, l: v128): void {
  store<u32>(dst, <u32>i32x4.extract_lane(i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(l, l), i16x8.splat(0)), 0));
}

/** WEIGHT = x² (qw 0) or qw*sqrt(sigma2 + x²) for the 32 values at x. */
function fillWeights(x: usize, qw: usize, sigma2: f32): void {
  const s = f32x4.splat(sigma2);
  for (let j = 0; j < 32; j += 4) {
    const at = <usize>j << 2;
    const v = v128.load(x + at);
    const v2 = f32x4.mul(v, v);
    v128.store(WEIGHT + at, qw == 0 ? v2 : f32x4.mul(v128.load(qw + at), f32x4.sqrt(f32x4.add(s, v2))));
  }
}

/** Σ (w*q)*x, with Σ (w*q)*q in sumQ2, for levels at inverse scale id (levels stored at L unless 0). */
let sumQ2: f32 = 0;
function levelSums(x: usize, id: f32, L: usize): f32 {
  const idv = f32x4.splat(id);
  let sumqx: f32 = 0;
  let sumq2: f32 = 0;
  for (let j = 0; j < 32; j += 4) {
    const at = <usize>j << 2;
    const v = v128.load(x + at);
    const l = bestIndex4(f32x4.mul(idv, v));
    if (L != 0) storeLevels4(L + j, l);
    const wq = f32x4.mul(v128.load(WEIGHT + at), lastValues);
    sumqx = addLanes(sumqx, f32x4.mul(wq, v));
    sumq2 = addLanes(sumq2, f32x4.mul(wq, lastValues));
  }
  sumQ2 = sumq2;
  return sumqx;
}

/** The block scale search for the 32 values at x (weights in WEIGHT); first-pass levels into L. */
function searchBlockScale(x: usize, L: usize): f32 {
  const max = signedMax(x, 32);
  if (Mathf.abs(max) < GROUP_MAX_EPS) return 0;
  let d = -max / K0;
  let sumqx = levelSums(x, <f32>1 / d, L);
  d = sumQ2 > 0 ? sumqx / sumQ2 : 0;
  let best = d * sumqx;
  for (let itry = -NTRY; itry <= NTRY; itry++) {
    // Only the scale moves here: ggml keeps the first pass's levels until the final one.
    sumqx = levelSums(x, <f32>(itry - 127) / max, 0);
    if (sumQ2 > 0 && sumqx * sumqx > best * sumQ2) {
      d = sumqx / sumQ2;
      best = d * sumqx;
    }
  }
  return d;
}

/** The levels of the 32 values at x at inverse scale id, into L. */
function finalLevels(x: usize, id: f32, L: usize): void {
  const idv = f32x4.splat(id);
  for (let j = 0; j < 32; j += 4) storeLevels4(L + j, bestIndex4(f32x4.mul(idv, v128.load(x + (<usize>j << 2)))));
}

function packNibbles(qs: usize, blocks: i32): void {
  for (let i = 0; i < blocks; i++) {
    const lo = v128.load(LEVELS + 32 * i);
    const hi = v128.load(LEVELS + 32 * i + 16);
    v128.store(qs + 16 * i, v128.or(lo, i8x16.shl(hi, 4)));
  }
}

/** quantize_iq4_nl on one 32-value block (qw: its 32 importance weights, or 0). */
export function iq4Nl(x: usize, qw: usize, o: usize): void {
  fillWeights(x, qw, sumSquares(x, 32) * (<f32>2 / <f32>32));
  const scale = searchBlockScale(x, LEVELS);
  storeF16(o, scale);
  finalLevels(x, scale != 0 ? <f32>1 / scale : 0, LEVELS);
  packNibbles(o + 2, 1);
}

/** quantize_iq4_xs on one 256-value super-block. */
export function iq4Xs(x: usize, qw: usize, o: usize): void {
  const sigma2 = sumSquares(x, 256) * (<f32>2 / <f32>256);
  for (let ib = 0; ib < 8; ib++) {
    const xb = x + (<usize>ib << 7);
    fillWeights(xb, qw == 0 ? 0 : qw + (<usize>ib << 7), sigma2);
    store<f32>(SCALES + (<usize>ib << 2), searchBlockScale(xb, LEVELS + 32 * ib));
  }
  const maxScale = signedMax(SCALES, 8);
  // An all-zero super-block gives d = -0, stored as fp16 0x8000 as in ggml.
  const d = -maxScale / <f32>32;
  storeF16(o, d);
  const id = d != 0 ? <f32>1 / d : 0;
  let scalesH = 0;
  for (let ib = 0; ib < 8; ib++) {
    let l = clampInt(nearestInt(id * load<f32>(SCALES + (<usize>ib << 2))), -32, 31);
    const dl = d * <f32>l;
    finalLevels(x + (<usize>ib << 7), dl != 0 ? <f32>1 / dl : 0, LEVELS + 32 * ib);
    l += 32;
    const at = o + 4 + (ib >> 1);
    if ((ib & 1) == 0) store<u8>(at, <u8>(l & 0xf));
    else store<u8>(at, load<u8>(at) | <u8>((l & 0xf) << 4));
    scalesH |= (l >> 4) << (2 * ib);
  }
  store<u16>(o + 2, <u16>scalesH);
  packNibbles(o + 8, 8);
}

/** best_index_int8 of one value (for tests): lane 0 of the four-lane search. */
export function bestIndexOf(x: f32): i32 {
  return i32x4.extract_lane(bestIndex4(f32x4.splat(x)), 0);
}
