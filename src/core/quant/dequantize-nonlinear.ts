// ggml's dequantize_row_{iq4_nl, iq4_xs, tq1_0, tq2_0, mxfp4}, float32 math as in C.
import { f16ToF32Table } from '../float16.ts';

const fround = Math.fround;

/** kvalues_mxfp4: twice the E2M1 values, so that d = 2^(e-128) is half the E8M0 scale (the quantizer's copy is wasm/assembly/mxfp4.ts). */
export const KVALUES_MXFP4: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

/** GGML_E8M0_TO_FP32_HALF: 2^(e-128), exact for every e (subnormal for e < 2). */
function e8m0Half(e: number): number {
  return 2 ** (e - 128);
}

/** kvalues_iq4nl: the 16 values IQ4_NL and IQ4_XS codes stand for (the quantizers' copy is wasm/assembly/iq4.ts). */
export const KVALUES_IQ4NL: readonly number[] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

export function dequantizeIq4Nl(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / 32;
  for (let b = 0; b < nb; b++) {
    const o = b * 18;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 2 + j]!;
      dst[b * 32 + j] = fround(d * KVALUES_IQ4NL[q & 0xf]!);
      dst[b * 32 + 16 + j] = fround(d * KVALUES_IQ4NL[q >> 4]!);
    }
  }
}

export function dequantizeIq4Xs(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / 256;
  for (let b = 0; b < nb; b++) {
    const o = b * 136;
    const d = f16[bytes[o]! | (bytes[o + 1]! << 8)]!;
    const scalesH = bytes[o + 2]! | (bytes[o + 3]! << 8);
    for (let ib = 0; ib < 8; ib++) {
      const ls = ((bytes[o + 4 + (ib >> 1)]! >> (4 * (ib % 2))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
      const dl = fround(d * (ls - 32));
      const qs = o + 8 + 16 * ib;
      const y = b * 256 + 32 * ib;
      for (let j = 0; j < 16; j++) {
        dst[y + j] = fround(dl * KVALUES_IQ4NL[bytes[qs + j]! & 0xf]!);
        dst[y + 16 + j] = fround(dl * KVALUES_IQ4NL[bytes[qs + j]! >> 4]!);
      }
    }
  }
}

const POW3 = [1, 3, 9, 27, 81, 243];

/** Trit n (0 = most significant) of a TQ1_0 byte: the top of q·3^n·3 within 8 bits. */
function tritOf(byte: number, n: number): number {
  return (((byte * POW3[n]!) & 0xff) * 3) >> 8;
}

export function dequantizeTq1_0(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / 256;
  for (let b = 0; b < nb; b++) {
    const o = b * 54;
    const d = f16[bytes[o + 52]! | (bytes[o + 53]! << 8)]!;
    let y = b * 256;
    for (let n = 0; n < 5; n++) for (let m = 0; m < 32; m++) dst[y++] = fround((tritOf(bytes[o + m]!, n) - 1) * d);
    for (let n = 0; n < 5; n++) for (let m = 0; m < 16; m++) dst[y++] = fround((tritOf(bytes[o + 32 + m]!, n) - 1) * d);
    for (let n = 0; n < 4; n++) for (let j = 0; j < 4; j++) dst[y++] = fround((tritOf(bytes[o + 48 + j]!, n) - 1) * d);
  }
}

export function dequantizeTq2_0(bytes: Uint8Array, dst: Float32Array): void {
  const f16 = f16ToF32Table();
  const nb = dst.length / 256;
  for (let b = 0; b < nb; b++) {
    const o = b * 66;
    const d = f16[bytes[o + 64]! | (bytes[o + 65]! << 8)]!;
    let y = b * 256;
    for (let j = 0; j < 64; j += 32) {
      for (let l = 0; l < 4; l++) {
        for (let m = 0; m < 32; m++) dst[y++] = fround((((bytes[o + j + m]! >> (2 * l)) & 3) - 1) * d);
      }
    }
  }
}

export function dequantizeMxfp4(bytes: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / 32;
  for (let b = 0; b < nb; b++) {
    const o = b * 17;
    const d = e8m0Half(bytes[o]!);
    for (let j = 0; j < 16; j++) {
      const q = bytes[o + 1 + j]!;
      dst[b * 32 + j] = fround(KVALUES_MXFP4[q & 0xf]! * d);
      dst[b * 32 + 16 + j] = fround(KVALUES_MXFP4[q >> 4]! * d);
    }
  }
}
