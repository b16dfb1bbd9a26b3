// Q8_0 {fp16 d, int8 qs[32]}: ggml's quantize_row_q8_0_ref. ggml ignores the imatrix for Q8_0.
import { writeF16 } from './block-bytes.ts';

const fround = Math.fround;
const QK = 32;
const BLOCK_BYTES = 34;

export function quantizeQ8_0(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK;
  for (let ib = 0; ib < nb; ib++) {
    const p = ib * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) {
      const av = Math.abs(src[p + j]!);
      // MAX(amax, fabsf(v)) keeps amax unless it is not greater.
      amax = amax > av ? amax : av;
    }
    const d = fround(amax / 127);
    const id = d ? fround(1 / d) : 0;
    const o = ib * BLOCK_BYTES;
    writeF16(dst, o, d);
    for (let j = 0; j < QK; j++) {
      const x = fround(src[p + j]! * id);
      // roundf (half away from zero); the result is within ±127 for finite input, so the int8 store
      // is the low byte. NaN (from a NaN input) stores 0 as cvttss2si's 0x80000000 does.
      const r = x < 0 ? -Math.floor(0.5 - x) : Math.floor(x + 0.5);
      dst[o + 2 + j] = r | 0;
    }
  }
}
