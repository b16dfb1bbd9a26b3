// Q1_0 {fp16 d, qs[16]} over 128 values and Q2_0 {fp16 d, qs[16]} over 64 (quantize_row_q1_0_ref,
// quantize_row_q2_0_ref; ggml's quantize_q1_0/q2_0 take importance weights but only run the _ref
// row by row, so the bytes never depend on them).
// Q1_0: d is the mean magnitude, one bit per value (set where x >= 0: -0 and +0 alike, NaN clear).
// Q2_0: d is the largest magnitude, 2-bit codes of roundf(x/d) + 1 clamped to 0..3.
import { storeF16 } from './f16';
import { roundHalfAway4, truncC4 } from './casts';
import { addLanes, maxLane } from './lanes';

export const Q1_0_BYTES = 18;
export const Q2_0_BYTES = 18;

export function q1_0(x: usize, _qw: usize, o: usize): void {
  // sum_abs: 128 float additions in element order, as C adds them (no reassociation).
  let sum: f32 = 0;
  for (let j = 0; j < 128; j += 4) sum = addLanes(sum, f32x4.abs(v128.load(x + (<usize>j << 2))));
  storeF16(o, sum / <f32>128);
  const zero = f32x4.splat(0);
  for (let b = 0; b < 16; b++) {
    const xb = x + (<usize>b << 5);
    const lo = i32x4.bitmask(f32x4.ge(v128.load(xb), zero));
    const hi = i32x4.bitmask(f32x4.ge(v128.load(xb + 16), zero));
    store<u8>(o + 2 + b, <u8>(lo | (hi << 4)));
  }
}

export function q2_0(x: usize, _qw: usize, o: usize): void {
  // `if (a > amax) amax = a`: a NaN never wins, as pmax's second operand.
  let m = f32x4.splat(0);
  for (let j = 0; j < 64; j += 4) m = f32x4.pmax(m, f32x4.abs(v128.load(x + (<usize>j << 2))));
  const d = maxLane(m);
  const id: f32 = d > 0 ? <f32>1 / d : 0;
  storeF16(o, d);
  const idv = f32x4.splat(id);
  const weights = i32x4(1, 4, 16, 64);
  for (let b = 0; b < 16; b++) {
    // (int)roundf(): cvttss2si, so a NaN or infinite x*id (0*inf, or a block of tiny values whose
    // 1/d overflows) is INT_MIN, and INT_MIN + 1 clamps to code 0.
    const r = f32x4.mul(v128.load(x + (<usize>b << 4)), idv);
    let q = i32x4.add(truncC4(roundHalfAway4(r)), i32x4.splat(1));
    q = i32x4.max_s(i32x4.min_s(q, i32x4.splat(3)), i32x4.splat(0));
    const p = i32x4.mul(q, weights);
    const byte = i32x4.extract_lane(p, 0) | i32x4.extract_lane(p, 1) | i32x4.extract_lane(p, 2) | i32x4.extract_lane(p, 3);
    store<u8>(o + 2 + b, <u8>byte);
  }
}
