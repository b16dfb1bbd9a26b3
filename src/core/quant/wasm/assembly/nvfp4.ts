// NVFP4 {u8 d[4], qs[32]} over 64 values: four 16-value sub-blocks, each with an unsigned E4M3
// scale (bias 7, no sign) and 4-bit E2M1 codes, nibbles as Q4_0's within the sub-block: byte j of
// sub-block s holds values j and j + 8 (quantize_row_nvfp4_ref; ggml never uses an imatrix for it).
// The codes are MXFP4's (best_index_mxfp4 over the doubled E2M1 table), with d half the scale.
import { lowBytes16 } from './casts';
import { maxLane } from './lanes';
import { codes4 } from './mxfp4';

export const NVFP4_BYTES = 36;

/**
 * ggml_fp32_to_ue4m3 of x (>= 0 or NaN): the mantissa's top three bits rounded half up from the
 * fourth, 0x7E (448) for anything at or above 2^8 (after rounding), and below 2^-6 a multiple of
 * 2^-9 from (int)(x*512 + 0.5) in float32, clamped to 1..7 (0 under 1).
 */
export function ue4m3Of(x: f32): i32 {
  if (!(x > 0)) return 0;
  if (x > 448) x = 448;
  const bits = reinterpret<u32>(x);
  let e = <i32>((bits >>> 23) & 0xff) - 127 + 7;
  if (e <= 0) {
    const man = <i32>(x * <f32>512 + <f32>0.5);
    if (man < 1) return 0;
    return man > 7 ? 7 : man;
  }
  if (e >= 15) return 0x7e;
  let man = <i32>((bits >>> 20) & 7) + <i32>((bits >>> 19) & 1);
  if (man > 7) {
    man = 0;
    e++;
    if (e >= 15) return 0x7e;
  }
  return (e << 3) | man;
}

/** ggml_ue4m3_to_fp32: half the scale's value (0 for 0 and 0x7F), exact in float32. */
export function ue4m3Half(u: i32): f32 {
  if (u == 0 || u == 0x7f) return 0;
  const e = (u >>> 3) & 0xf;
  const man = u & 7;
  // man·2^-9 or (8 + man)·2^(e-10), each halved: powers of two times small integers.
  if (e == 0) return <f32>man * reinterpret<f32>(<u32>(127 - 10) << 23);
  return <f32>(man + 8) * reinterpret<f32>(<u32>(127 + e - 11) << 23);
}

/** The half-scale of the 16 values at x, storing the scale byte at dAt. */
function subScale(x: usize, dAt: usize): f32 {
  // `if (amax < fabsf(v)) amax = fabsf(v)`: NaN never wins, as pmax's first operand.
  let m = f32x4.splat(0);
  for (let j = 0; j < 16; j += 4) m = f32x4.pmax(m, f32x4.abs(v128.load(x + (<usize>j << 2))));
  const u = ue4m3Of(maxLane(m) / <f32>6);
  store<u8>(dAt, <u8>u);
  return ue4m3Half(u);
}

export function nvfp4(x: usize, _qw: usize, o: usize): void {
  // Two sub-blocks (16 code bytes) at a time.
  for (let s = 0; s < 4; s += 2) {
    const xa = x + (<usize>s << 6);
    const xb = xa + 64;
    const da = subScale(xa, o + s);
    const db = subScale(xb, o + s + 1);
    const lo = lowBytes16(codes4(xa, da), codes4(xa + 16, da), codes4(xb, db), codes4(xb + 16, db));
    const hi = lowBytes16(codes4(xa + 32, da), codes4(xa + 48, da), codes4(xb + 32, db), codes4(xb + 48, db));
    v128.store(o + 4 + (<usize>s << 3), v128.or(lo, i8x16.shl(hi, 4)));
  }
}
