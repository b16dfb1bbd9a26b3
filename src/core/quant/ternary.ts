// TQ1_0 {qs[48], qh[4], d} and TQ2_0 {qs[64], d}: ternary levels -1, 0, 1 of x/amax with
// d = amax (quantize_row_tq{1,2}_0_ref; ggml never uses an imatrix for them). TQ1_0 packs five
// trits per byte as a base-3 number scaled to 0..255, TQ2_0 four 2-bit codes per byte.
import { writeF16 } from './block-bytes.ts';
import { roundHalfAway } from './nearest-int.ts';

const fround = Math.fround;
const QK_K = 256;

function blockInverseScale(src: Float32Array, p: number, dst: Uint8Array, dAt: number): number {
  let amax = 0;
  for (let j = 0; j < QK_K; j++) {
    const a = Math.abs(src[p + j]!);
    amax = amax > a ? amax : a; // ggml's MAX(amax, |v|): a NaN element makes d NaN, as in C
  }
  writeF16(dst, dAt, amax);
  return amax !== 0 ? fround(1 / amax) : 0;
}

/**
 * (int)(lroundf(x*id) + 1): the trit 0, 1 or 2. When x*id is not finite (id = 1/amax overflows
 * for a block of float32 subnormals; 0*inf is NaN), x86-64's lroundf returns LONG_MIN, whose low
 * 32 bits plus one are 1: the middle trit.
 */
function trit(x: number, id: number): number {
  const v = fround(x * id);
  return Number.isFinite(v) ? roundHalfAway(v) + 1 : 1;
}

/** (q*256 + 242) / 243 in integers: the base-3 number q (< 243) as a fraction of a byte, rounded up. */
function tritsToByte(q: number): number {
  return (((q & 0xff) * 256 + 242) / 243) | 0;
}

export function quantizeTq1_0(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let b = 0; b < nb; b++) {
    const p = b * QK_K;
    const o = b * 54;
    const id = blockInverseScale(src, p, dst, o + 52);
    // Bytes 0..31 hold elements 0..159 (byte m: m, m+32, ..., m+128), bytes 32..47 hold 160..239.
    for (let m = 0; m < 32; m++) {
      let q = 0;
      for (let n = 0; n < 5; n++) q = q * 3 + trit(src[p + m + 32 * n]!, id);
      dst[o + m] = tritsToByte(q);
    }
    for (let m = 0; m < 16; m++) {
      let q = 0;
      for (let n = 0; n < 5; n++) q = q * 3 + trit(src[p + 160 + m + 16 * n]!, id);
      dst[o + 32 + m] = tritsToByte(q);
    }
    // qh: four trits each (elements 240+j, +4, +8, +12), shifted up by one trit.
    for (let j = 0; j < 4; j++) {
      let q = 0;
      for (let m = 0; m < 4; m++) q = q * 3 + trit(src[p + 240 + j + 4 * m]!, id);
      dst[o + 48 + j] = tritsToByte(q * 3);
    }
  }
}

export function quantizeTq2_0(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let b = 0; b < nb; b++) {
    const p = b * QK_K;
    const o = b * 66;
    const id = blockInverseScale(src, p, dst, o + 64);
    for (let j = 0; j < 64; j += 32) {
      const x = p + 4 * j;
      for (let m = 0; m < 32; m++) {
        let q = 0;
        for (let n = 0; n < 4; n++) q += (trit(src[x + m + 32 * n]!, id) & 3) << (2 * n);
        dst[o + j + m] = q;
      }
    }
  }
}
