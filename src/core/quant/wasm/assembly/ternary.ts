// TQ1_0 {qs[48], qh[4], fp16 d} and TQ2_0 {qs[64], fp16 d}: ternary levels -1, 0, 1 of x/amax
// with d = amax (quantize_row_tq{1,2}_0_ref; ggml never uses an imatrix for them). TQ1_0 packs
// five trits per byte as a base-3 number scaled to 0..255, TQ2_0 four 2-bit codes per byte.
// Four lanes at a time.
import { storeF16 } from './f16';
import { lowBytes16, macroMaxAbs, roundHalfAway4 } from './casts';

export const TQ1_0_BYTES = 54;
export const TQ2_0_BYTES = 66;

/**
 * (int)(lroundf(x*id) + 1) of the four values at x: the trits 0, 1, 2. Where x*id is not finite
 * (id = 1/amax overflows for a block of float32 subnormals; 0*inf is NaN) x86-64's lroundf gives
 * LONG_MIN, whose low 32 bits plus one are 1.
 */
// @ts-ignore: decorator
@inline function trits4(x: usize, idv: v128): v128 {
  const r = f32x4.mul(v128.load(x), idv);
  const finite = f32x4.lt(f32x4.abs(r), f32x4.splat(Infinity));
  const t = i32x4.add(i32x4.trunc_sat_f32x4_s(roundHalfAway4(r)), i32x4.splat(1));
  return v128.bitselect(t, i32x4.splat(1), finite);
}

/** The inverse scale of a block, storing d = amax at dAt. */
function inverseScale(x: usize, dAt: usize): f32 {
  const amax = macroMaxAbs(x, 256);
  storeF16(dAt, amax);
  return amax != 0 ? <f32>1 / amax : 0;
}

/** ((q*256 + 242) / 243) of each lane (q < 243): the base-3 number as a fraction of a byte, rounded up. */
// @ts-ignore: decorator
@inline function tritsToByte4(q: v128): v128 {
  // Exact: the numerator is below 2^16 and a quotient just under an integer is at least 1/243 under.
  const n = f32x4.convert_i32x4_s(i32x4.add(i32x4.shl(q, 8), i32x4.splat(242)));
  return i32x4.trunc_sat_f32x4_s(f32x4.div(n, f32x4.splat(243)));
}

/** Horner over `count` trits of values x, x + 4*stride, ... (base 3, first value most significant). */
// @ts-ignore: decorator
@inline function base3(x: usize, idv: v128, count: i32, stride: usize): v128 {
  let q = trits4(x, idv);
  for (let n = 1; n < count; n++) q = i32x4.add(i32x4.mul(q, i32x4.splat(3)), trits4(x + <usize>n * stride, idv));
  return q;
}

export function tq1_0(x: usize, _qw: usize, o: usize): void {
  const idv = f32x4.splat(inverseScale(x, o + 52));
  // Bytes 0..31 hold values 0..159 (byte m: m, m+32, ..., m+128), bytes 32..47 values 160..239.
  for (let m = 0; m < 32; m += 16) {
    const xm = x + (<usize>m << 2);
    v128.store(o + m, lowBytes16(
      tritsToByte4(base3(xm, idv, 5, 128)), tritsToByte4(base3(xm + 16, idv, 5, 128)),
      tritsToByte4(base3(xm + 32, idv, 5, 128)), tritsToByte4(base3(xm + 48, idv, 5, 128)),
    ));
  }
  const x2 = x + 160 * 4;
  v128.store(o + 32, lowBytes16(
    tritsToByte4(base3(x2, idv, 5, 64)), tritsToByte4(base3(x2 + 16, idv, 5, 64)),
    tritsToByte4(base3(x2 + 32, idv, 5, 64)), tritsToByte4(base3(x2 + 48, idv, 5, 64)),
  ));
  // qh: four trits each (values 240+j, +4, +8, +12), shifted up by one trit.
  const q = i32x4.mul(base3(x + 240 * 4, idv, 4, 16), i32x4.splat(3));
  const b = lowBytes16(tritsToByte4(q), q, q, q);
  store<u32>(o + 48, <u32>i32x4.extract_lane(b, 0));
}

/** TQ2_0's byte of four values x, x + 32, x + 64, x + 96: their 2-bit codes, the first lowest. */
// @ts-ignore: decorator
@inline function codes4(x: usize, idv: v128): v128 {
  const three = i32x4.splat(3);
  let q = v128.and(trits4(x, idv), three);
  q = v128.or(q, i32x4.shl(v128.and(trits4(x + 128, idv), three), 2));
  q = v128.or(q, i32x4.shl(v128.and(trits4(x + 256, idv), three), 4));
  return v128.or(q, i32x4.shl(v128.and(trits4(x + 384, idv), three), 6));
}

export function tq2_0(x: usize, _qw: usize, o: usize): void {
  const idv = f32x4.splat(inverseScale(x, o + 64));
  // Byte j+m (j = 0, 32) holds values 4j+m, +32, +64, +96.
  for (let j = 0; j < 64; j += 16) {
    const xj = x + (<usize>((j & 32) * 4 + (j & 16)) << 2);
    v128.store(o + j, lowBytes16(codes4(xj, idv), codes4(xj + 16, idv), codes4(xj + 32, idv), codes4(xj + 48, idv)));
  }
}
