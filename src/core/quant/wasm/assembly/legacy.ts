// Q4_0, Q4_1, Q5_0 and Q5_1: 32-value blocks. Without an imatrix, quantize_row_q{4,5}_{0,1}_ref
// (symmetric {d, [qh,] qs}: d = max/-(2^(bits-1)); asymmetric {d, m, [qh,] qs}: d = (max-min) /
// (2^bits-1)); with one, quantize_row_q{4,5}_{0,1}_impl: weights qw*sqrt(sigma2 + x²) with the
// row's sigma2 = Σx²/n, then make_qx_quants (symmetric) or make_qkx3_quants (asymmetric). The
// nibbles hold values j and j+16 of a block, the 5th bits go to the qh word (bit j and j+16).
// Float32 in ggml's order; the per-value steps four lanes at a time.
import { storeF16 } from './f16';
import { makeQkx3, qkx3Min } from './make-qkx3';
import { makeQx } from './make-qx';
import { signedMax, sumSquares } from './numerics';
import { LEVELS, WEIGHTS } from './scratch';
import { int8Of4, truncC4 } from './casts';
import { maxLane, minLane } from './lanes';

const FLT_MAX: f32 = 3.4028234663852886e38;
const RMIN: f32 = -0.9;
const RDELTA: f32 = 0.05;

/** Packs 32 level bytes (lo: values 0..15, hi: 16..31) as nibbles at qs, and for 5 bits their 5th bits at qh. */
// @ts-ignore: decorator
@inline function packLevels(lo: v128, hi: v128, qs: usize, qh: usize): void {
  const nibble = i8x16.splat(0x0f);
  v128.store(qs, v128.or(v128.and(lo, nibble), i8x16.shl(v128.and(hi, nibble), 4)));
  if (qh != 0) {
    // Bit 4 of each level moved to the top bit of its byte, then one bit per byte.
    store<u32>(qh, <u32>(i8x16.bitmask(i8x16.shl(lo, 3)) | (i8x16.bitmask(i8x16.shl(hi, 3)) << 16)));
  }
}

function pack(qs: usize, qh: usize): void {
  packLevels(v128.load(LEVELS), v128.load(LEVELS, 16), qs, qh);
}

/** MIN(2nmax-1, (int8)(x*id + nmax+0.5)) as C's uint8_t, for the four values at x. */
// @ts-ignore: decorator
@inline function symmetricLevels4(x: usize, idv: v128, bias: v128, top: v128, exact: bool): v128 {
  const v = f32x4.add(f32x4.mul(v128.load(x), idv), bias);
  // In range (see symmetricRef) the cast is a plain truncation and the level fits in a byte.
  if (!exact) return i32x4.min_s(i32x4.trunc_sat_f32x4_s(v), top);
  return v128.and(i32x4.min_s(int8Of4(truncC4(v)), top), i32x4.splat(0xff));
}

/**
 * The 16 level bytes of values x..x+16. Without `exact`, the levels are 0..2nmax and pack by
 * saturating narrowing; with it, by their low bytes.
 */
// @ts-ignore: decorator
@inline function symmetricBytes(x: usize, idv: v128, bias: v128, top: v128, exact: bool): v128 {
  const a = symmetricLevels4(x, idv, bias, top, exact);
  const b = symmetricLevels4(x + 16, idv, bias, top, exact);
  const c = symmetricLevels4(x + 32, idv, bias, top, exact);
  const d = symmetricLevels4(x + 48, idv, bias, top, exact);
  return i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

/** quantize_row_q{4,5}_0_ref on one block: nmax 8 or 16. */
// @ts-ignore: decorator
@inline export function symmetricRef(nmax: i32, x: usize, qs: usize, qh: usize, o: usize): void {
  const d = signedMax(x, 32) / <f32>(-nmax);
  const id: f32 = d != 0 ? <f32>1 / d : 0; // C's `d ? 1/d : 0`: NaN counts as true
  storeF16(o, d);
  const idv = f32x4.splat(id);
  const bias = f32x4.splat(<f32>nmax + <f32>0.5);
  const top = i32x4.splat(2 * nmax - 1);
  // A finite id from a finite d keeps |x*id| within nmax (x is at most |max|), so every x*id + bias
  // lies in [0, 2nmax+1): the C cast is a plain truncation. Otherwise (a non-finite block, or an
  // id that overflowed) the cast's own rules.
  const exact = !(Mathf.abs(id) < Infinity) || !(Mathf.abs(d) < Infinity);
  const lo = exact ? symmetricBytes(x, idv, bias, top, true) : symmetricBytes(x, idv, bias, top, false);
  const hi = exact ? symmetricBytes(x + 64, idv, bias, top, true) : symmetricBytes(x + 64, idv, bias, top, false);
  packLevels(lo, hi, qs, qh);
}

/** (int8)((x - min)*id + 0.5): Q4_1 clamps MIN(15, …), Q5_1 stores the uint8 cast as is. */
// @ts-ignore: decorator
@inline function asymmetricLevels4(x: usize, mv: v128, idv: v128, clamp: bool, exact: bool): v128 {
  const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(x), mv), idv), f32x4.splat(0.5));
  if (!exact) {
    const t = i32x4.trunc_sat_f32x4_s(v);
    return clamp ? i32x4.min_s(t, i32x4.splat(15)) : t;
  }
  const t = truncC4(v);
  return v128.and(clamp ? i32x4.min_s(int8Of4(t), i32x4.splat(15)) : t, i32x4.splat(0xff));
}

// @ts-ignore: decorator
@inline function asymmetricBytes(x: usize, mv: v128, idv: v128, clamp: bool, exact: bool): v128 {
  const a = asymmetricLevels4(x, mv, idv, clamp, exact);
  const b = asymmetricLevels4(x + 16, mv, idv, clamp, exact);
  const c = asymmetricLevels4(x + 32, mv, idv, clamp, exact);
  const d = asymmetricLevels4(x + 48, mv, idv, clamp, exact);
  return i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

/** quantize_row_q{4,5}_1_ref on one block: nmax 15 or 31. */
// @ts-ignore: decorator
@inline export function asymmetricRef(nmax: i32, x: usize, qs: usize, qh: usize, o: usize): void {
  // ggml starts from ±FLT_MAX (only an all-infinite block could tell that from ±Infinity) and
  // keeps the first of equal values: four lanes at a time (pmin/pmax keep their first operand on
  // ties and against NaN, as the scalar tests do), then in order when a zero's sign could differ.
  let mn = f32x4.splat(FLT_MAX);
  let mx = f32x4.splat(-FLT_MAX);
  for (let j = 0; j < 32; j += 4) {
    const v = v128.load(x + (<usize>j << 2));
    mn = f32x4.pmin(mn, v);
    mx = f32x4.pmax(mx, v);
  }
  let min = minLane(mn);
  let max = maxLane(mx);
  if (min == 0 || max == 0) {
    min = FLT_MAX;
    max = -FLT_MAX;
    for (let j = 0; j < 32; j++) {
      const v = load<f32>(x + (<usize>j << 2));
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const d = (max - min) / <f32>nmax;
  const id: f32 = d != 0 ? <f32>1 / d : 0;
  storeF16(o, d);
  storeF16(o + 2, min);
  const idv = f32x4.splat(id);
  const mv = f32x4.splat(min);
  const clamp = nmax == 15;
  // With finite min, max and id every (x - min)*id + 0.5 lies in [0, nmax + 1]: a plain
  // truncation. Otherwise the C cast's own rules.
  const exact = !(Mathf.abs(id) < Infinity) || !(max - min < Infinity);
  const lo = exact ? asymmetricBytes(x, mv, idv, clamp, true) : asymmetricBytes(x, mv, idv, clamp, false);
  const hi = exact ? asymmetricBytes(x + 64, mv, idv, clamp, true) : asymmetricBytes(x + 64, mv, idv, clamp, false);
  packLevels(lo, hi, qs, qh);
}

/** WEIGHTS = qw*sqrt(sigma2 + x²) for the 32 values at x. */
function weights(x: usize, qw: usize, sigma2: f32): void {
  const s = f32x4.splat(sigma2);
  for (let j = 0; j < 32; j += 4) {
    const at = <usize>j << 2;
    const v = v128.load(x + at);
    v128.store(WEIGHTS + at, f32x4.mul(v128.load(qw + at), f32x4.sqrt(f32x4.add(s, f32x4.mul(v, v)))));
  }
}

/** quantize_row_q{4,5}_0_impl on one row of `blocks` blocks (block bytes 18 or 22). */
export function symmetricRow(nmax: i32, x: usize, qw: usize, o: usize, blocks: i32): void {
  const sigma2 = sumSquares(x, blocks * 32) / <f32>(blocks * 32);
  const blockBytes: usize = nmax == 8 ? 18 : 22;
  for (let ib = 0; ib < blocks; ib++) {
    const xb = x + (<usize>ib << 7);
    const ob = o + <usize>ib * blockBytes;
    weights(xb, qw + (<usize>ib << 7), sigma2);
    storeF16(ob, makeQx(32, nmax, xb, WEIGHTS, LEVELS));
    if (nmax == 8) pack(ob + 2, 0);
    else pack(ob + 6, ob + 2);
  }
}

/** quantize_row_q{4,5}_1_impl on one row of `blocks` blocks (block bytes 20 or 24). */
export function asymmetricRow(nmax: i32, x: usize, qw: usize, o: usize, blocks: i32): void {
  const sigma2 = sumSquares(x, blocks * 32) / <f32>(blocks * 32);
  const blockBytes: usize = nmax == 15 ? 20 : 24;
  for (let ib = 0; ib < blocks; ib++) {
    const xb = x + (<usize>ib << 7);
    const ob = o + <usize>ib * blockBytes;
    weights(xb, qw + (<usize>ib << 7), sigma2);
    storeF16(ob, makeQkx3(32, nmax, xb, WEIGHTS, LEVELS, RMIN, RDELTA, 36, false));
    storeF16(ob + 2, qkx3Min); // C stores -the_min, and the_min = -min
    if (nmax == 15) pack(ob + 4, 0);
    else pack(ob + 8, ob + 4);
  }
}
