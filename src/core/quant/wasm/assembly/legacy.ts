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

const FLT_MAX: f32 = 3.4028234663852886e38;
const RMIN: f32 = -0.9;
const RDELTA: f32 = 0.05;

/**
 * A C cast of float to int32 as x86-64 does it (cvttss2si): truncation, and 0x80000000 for NaN and
 * for values outside int32 (where the saturating wasm truncation would clamp).
 */
// @ts-ignore: decorator
@inline function truncC4(v: v128): v128 {
  const inRange = f32x4.lt(f32x4.abs(v), f32x4.splat(2147483648));
  return v128.bitselect(i32x4.trunc_sat_f32x4_s(v), i32x4.splat(0x80000000), inRange);
}

/** (int8_t) of the int32 lanes: their low byte, sign-extended. */
// @ts-ignore: decorator
@inline function int8Of4(t: v128): v128 {
  return i32x4.shr_s(i32x4.shl(t, 24), 24);
}

/**
 * The levels of one block as bytes in LEVELS[0..32) (each 0..255, C's uint8_t), from four-lane
 * steps: level(v) for v = (x - min)*id + bias as float32, then the caller's integer rule.
 */
// @ts-ignore: decorator
@inline function storeBytes4(at: usize, l: v128): void {
  store<u32>(at, <u32>i32x4.extract_lane(i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(l, l), i16x8.splat(0)), 0));
}

/** Packs LEVELS (levels j and j+16 into byte j's nibbles) at qs, and for 5 bits their 5th bits at qh. */
function pack(qs: usize, qh: usize): void {
  const lo = v128.load(LEVELS);
  const hi = v128.load(LEVELS, 16);
  const nibble = i8x16.splat(0x0f);
  v128.store(qs, v128.or(v128.and(lo, nibble), i8x16.shl(v128.and(hi, nibble), 4)));
  if (qh != 0) {
    // Bit 4 of each level moved to the top bit of its byte, then one bit per byte.
    const bits = i8x16.bitmask(i8x16.shl(lo, 3)) | (i8x16.bitmask(i8x16.shl(hi, 3)) << 16);
    store<u32>(qh, <u32>bits);
  }
}

/** quantize_row_q{4,5}_0_ref on one block: nmax 8 or 16 (levels MIN(2nmax-1, (int8)(x*id + nmax+0.5))). */
export function symmetricRef(nmax: i32, x: usize, qs: usize, qh: usize, o: usize): void {
  const d = signedMax(x, 32) / <f32>(-nmax);
  const id: f32 = d != 0 ? <f32>1 / d : 0; // C's `d ? 1/d : 0`: NaN counts as true
  storeF16(o, d);
  const idv = f32x4.splat(id);
  const bias = f32x4.splat(<f32>nmax + <f32>0.5);
  const top = i32x4.splat(2 * nmax - 1);
  const byte = i32x4.splat(0xff);
  for (let j = 0; j < 32; j += 4) {
    const t = truncC4(f32x4.add(f32x4.mul(v128.load(x + (<usize>j << 2)), idv), bias));
    storeBytes4(LEVELS + j, v128.and(i32x4.min_s(int8Of4(t), top), byte));
  }
  pack(qs, qh);
}

/** quantize_row_q{4,5}_1_ref on one block: nmax 15 or 31; Q4_1 clamps MIN(15, (int8)…), Q5_1 stores the uint8 cast. */
export function asymmetricRef(nmax: i32, x: usize, qs: usize, qh: usize, o: usize): void {
  // ggml starts from ±FLT_MAX (only an all-infinite block could tell that from ±Infinity).
  let min = FLT_MAX;
  let max = -FLT_MAX;
  for (let j = 0; j < 32; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const d = (max - min) / <f32>nmax;
  const id: f32 = d != 0 ? <f32>1 / d : 0;
  storeF16(o, d);
  storeF16(o + 2, min);
  const idv = f32x4.splat(id);
  const mv = f32x4.splat(min);
  const half = f32x4.splat(0.5);
  const byte = i32x4.splat(0xff);
  const fifteen = i32x4.splat(15);
  for (let j = 0; j < 32; j += 4) {
    const t = truncC4(f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + (<usize>j << 2)), mv), idv), half));
    storeBytes4(LEVELS + j, v128.and(nmax == 15 ? i32x4.min_s(int8Of4(t), fifteen) : t, byte));
  }
  pack(qs, qh);
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
