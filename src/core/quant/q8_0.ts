// Q8_0 {fp16 d, int8 qs[32]}: ggml's quantize_row_q8_0_ref. ggml ignores the imatrix for Q8_0.
// The export's hottest loop, so it is written for the JIT: running indices, and no branch on the
// sign of each value (random signs mispredict half the time).
import { writeF16 } from './block-bytes.ts';

const fround = Math.fround;
const QK = 32;
const BLOCK_BYTES = 34;

export function quantizeQ8_0(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK;
  const bits = new Int32Array(src.buffer, src.byteOffset, src.length);
  for (let ib = 0, p = 0, o = 0; ib < nb; ib++, p += QK, o += BLOCK_BYTES) {
    let amax = 0;
    for (let j = p, end = p + QK; j < end; j++) {
      const av = Math.abs(src[j]!);
      // MAX(amax, fabsf(v)) keeps amax unless it is not greater (so NaN propagates as in C).
      amax = amax > av ? amax : av;
    }
    const d = fround(amax / 127);
    const id = d ? fround(1 / d) : 0;
    writeF16(dst, o, d);
    for (let j = p, q = o + 2, end = p + QK; j < end; j++, q++) {
      // roundf(v * id), half away from zero, as sign * floor(|v * id| + 0.5): float32 rounding is
      // symmetric, so |fround(v * id)| = fround(|v| * id); |v| * id + 0.5 is exact in double and at
      // most 127.5 for finite input, so ToInt32 truncation is the floor. The sign (0 or -1, from the
      // float's bits) negates by (r ^ s) - s; the int8 store is the low byte. NaN gives 0, as
      // cvttss2si's 0x80000000 stores 0.
      const r = (fround(Math.abs(src[j]!) * id) + 0.5) | 0;
      const s = bits[j]! >> 31;
      dst[q] = (r ^ s) - s;
    }
  }
}
