// Q8_0 {fp16 d, int8 qs[32]}: quantize_row_q8_0_ref (ggml ignores the imatrix): d = amax/127,
// q = roundf(x/d) stored as int8. Four lanes at a time.
import { storeF16 } from './f16';
import { lowBytes16, macroMaxAbs, roundHalfAway4, truncC4 } from './casts';

export const Q8_0_BYTES = 34;

/** (int8_t)roundf(x*id) of the four values at x (NaN and infinities give 0, as cvttss2si's low byte). */
// @ts-ignore: decorator
@inline function level4(x: usize, idv: v128): v128 {
  return truncC4(roundHalfAway4(f32x4.mul(v128.load(x), idv)));
}

export function q8_0(x: usize, _qw: usize, o: usize): void {
  const d = macroMaxAbs(x, 32) / <f32>127;
  const id: f32 = d != 0 ? <f32>1 / d : 0; // C's `d ? 1/d : 0`: NaN counts as true
  storeF16(o, d);
  const idv = f32x4.splat(id);
  v128.store(o + 2, lowBytes16(level4(x, idv), level4(x + 16, idv), level4(x + 32, idv), level4(x + 48, idv)));
  v128.store(o + 18, lowBytes16(level4(x + 64, idv), level4(x + 80, idv), level4(x + 96, idv), level4(x + 112, idv)));
}
