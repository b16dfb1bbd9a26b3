// ggml's dequantize_row_{q1_0, q2_0, nvfp4}, float32 math as in C (the quantizers are
// wasm/assembly/low-bit.ts and nvfp4.ts).
import { f16ToF32Table } from '../float16.ts';
import { KVALUES_MXFP4 } from './dequantize-nonlinear.ts';

const fround = Math.fround;

/** Q1_0 {fp16 d, qs[16]}: value j is +d where bit j is set, else -d. */
export function dequantizeQ1_0(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / 128;
  for (let b = 0; b < nb; b++) {
    const o = b * 18;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let j = 0; j < 128; j++) dst[b * 128 + j] = (bytes[o + 2 + (j >> 3)]! >> (j & 7)) & 1 ? d : -d;
  }
}

/** Q2_0 {fp16 d, qs[16]}: value j is (code - 1)·d, code the 2 bits at 2·(j mod 4) of byte j/4. */
export function dequantizeQ2_0(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / 64;
  for (let b = 0; b < nb; b++) {
    const o = b * 18;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let j = 0; j < 64; j++) dst[b * 64 + j] = fround((((bytes[o + 2 + (j >> 2)]! >> (2 * (j & 3))) & 3) - 1) * d);
  }
}

/**
 * ggml_ue4m3_to_fp32: half the value of an unsigned E4M3 byte (exponent bits 3..6, bias 7,
 * mantissa bits 0..2; bit 7 is not read), 0 for 0x00 and 0x7F. Exact in float32.
 */
export function ue4m3Half(u: number): number {
  if (u === 0 || u === 0x7f) return 0;
  const e = (u >> 3) & 0xf;
  const man = u & 7;
  return e === 0 ? man * 2 ** -10 : (8 + man) * 2 ** (e - 11);
}

/** NVFP4 {u8 d[4], qs[32]}: sub-block s's byte j holds values 16s + j (low nibble) and 16s + j + 8. */
export function dequantizeNvfp4(bytes: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / 64;
  for (let b = 0; b < nb; b++) {
    const o = b * 36;
    for (let s = 0; s < 4; s++) {
      const d = ue4m3Half(bytes[o + s]!);
      const y = b * 64 + s * 16;
      for (let j = 0; j < 8; j++) {
        const q = bytes[o + 4 + s * 8 + j]!;
        dst[y + j] = fround(KVALUES_MXFP4[q & 0xf]! * d);
        dst[y + 8 + j] = fround(KVALUES_MXFP4[q >> 4]! * d);
      }
    }
  }
}
