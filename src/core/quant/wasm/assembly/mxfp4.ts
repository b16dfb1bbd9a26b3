// MXFP4 {u8 e, qs[16]}: a shared power-of-two scale (E8M0) and 4-bit E2M1 codes in the Q4_0
// nibble layout (quantize_row_mxfp4_ref; ggml never uses an imatrix for it). The code search
// runs four values at a time.
import { lowBytes16 } from './casts';
import { maxLane } from './lanes';

export const MXFP4_BYTES = 17;

/** kvalues_mxfp4: twice the E2M1 values, so that d = 2^(e-128) is half the E8M0 scale. */
const KVALUES: usize = memory.data<f32>([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]);

/** 2^k as a double, exactly (|k| well inside the double range). */
// @ts-ignore: decorator
@inline function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/**
 * 2^(1-δ) for t = E+1, where δ is half the gap between t and the next float toward -infinity:
 * glibc's log2f is correctly rounded, so just below 2^(E+1) it returns E+1 once E + log2(m) is
 * within half a float spacing of E+1 (the same doubles as the TypeScript version it replaced).
 */
function roundUpThreshold(t: i32): f64 {
  let gap: f64;
  if (t == 0) gap = pow2(-149);
  else {
    const a = t < 0 ? -t : t;
    const p = 31 - clz(a);
    // Below a positive power of two the spacing halves; below a negative t it is |t|'s own.
    gap = t > 0 && a == 1 << p ? pow2(p - 24) : pow2(p - 23);
  }
  const u = (gap / 2) * Math.LN2;
  return 2 * (1 - u + (u * u) / 2); // 2·e^(-u) to far beyond the 2^-23 resolution of m
}

/** floorf(log2f(a)) for a finite float a > 0, from its bits (see roundUpThreshold). */
export function floorLog2f(a: f32): i32 {
  const bits = reinterpret<u32>(a) & 0x7fffffff;
  // A subnormal's exponent is that of its leading mantissa bit.
  const e = bits >>> 23 == 0 ? <i32>(31 - clz(bits)) - 149 : <i32>(bits >>> 23) - 127;
  const m = <f64>a / pow2(e); // exact: a power-of-two division
  return m > roundUpThreshold(e + 1) ? e + 1 : e;
}

/** GGML_E8M0_TO_FP32_HALF: 2^(e-128) as float32, exact for every e (subnormal for e < 2). */
function e8m0Half(e: i32): f32 {
  if (e >= 2) return reinterpret<f32>(<u32>(e - 1) << 23);
  return reinterpret<f32>(<u32>0x200000 << e);
}

/**
 * best_index_mxfp4 of the four values at x: the first code with the least |K*d - x|. The second
 * half of the table is the first negated (index 8 is -0), and |-k*d - x| = |k*d - |x|| exactly,
 * so for x >= 0 no negative entry beats its positive twin (which comes first), and for x < 0 no
 * positive one beats its negative twin but 0 (index 0, before index 8): the search runs over the
 * eight magnitudes with |x|, and a negative x takes index j + 8 for j > 0. NaN gives 0, as in C.
 */
// @ts-ignore: decorator
@inline export function codes4(x: usize, d: f32): v128 {
  const v = v128.load(x);
  const a = f32x4.abs(v);
  let best = a; // |0*d - |x||
  let index = i32x4.splat(0);
  for (let i = 1; i < 8; i++) {
    const err = f32x4.abs(f32x4.sub(f32x4.splat(load<f32>(KVALUES + (<usize>i << 2)) * d), a));
    const better = f32x4.lt(err, best);
    best = v128.bitselect(err, best, better);
    index = v128.bitselect(i32x4.splat(i), index, better);
  }
  const negative = v128.and(f32x4.lt(v, f32x4.splat(0)), i32x4.ne(index, i32x4.splat(0)));
  return v128.or(index, v128.and(negative, i32x4.splat(8)));
}

export function mxfp4(x: usize, _qw: usize, o: usize): void {
  // `if (amax < fabsf(v)) amax = fabsf(v)`: NaN never wins, as pmax's first operand.
  let m = f32x4.splat(0);
  for (let j = 0; j < 32; j += 4) m = f32x4.pmax(m, f32x4.abs(v128.load(x + (<usize>j << 2))));
  const amax = maxLane(m);
  // (uint8_t)(float): x86 truncates through int32, so a tiny amax wraps to a high byte as in C,
  // and an infinite one (log2f gives inf) is 0x80000000's low byte.
  const e = amax > 0 && amax < Infinity ? (floorLog2f(amax) - 2 + 127) & 0xff : 0;
  const d = e8m0Half(e);
  store<u8>(o, <u8>e);
  const lo = lowBytes16(codes4(x, d), codes4(x + 16, d), codes4(x + 32, d), codes4(x + 48, d));
  const hi = lowBytes16(codes4(x + 64, d), codes4(x + 80, d), codes4(x + 96, d), codes4(x + 112, d));
  v128.store(o + 1, v128.or(lo, i8x16.shl(hi, 4)));
}
