import { describe, expect, it } from 'vitest';
import { GGML_TYPES, type GgmlTypeName } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import { dequantizeRowsCpu } from '../../../src/core/quant/dequantize.ts';
import { GOLDEN_COLS, readGoldenBytes } from './golden-files.ts';
import {
  decodeIq4Nl, decodeIq4Xs, decodeMxfp4, decodeQ2_K, decodeQ3_K, decodeQ4_K, decodeQ5_K, decodeQ6_K,
  decodeTq1_0, decodeTq2_0,
} from './k-family-decode.ts';

const READERS: readonly [GgmlTypeName, string, (b: Uint8Array) => number[]][] = [
  ['Q2_K', 'q2_K', decodeQ2_K], ['Q3_K', 'q3_K', decodeQ3_K], ['Q4_K', 'q4_K', decodeQ4_K],
  ['Q5_K', 'q5_K', decodeQ5_K], ['Q6_K', 'q6_K', decodeQ6_K], ['IQ4_NL', 'iq4_nl', decodeIq4Nl],
  ['IQ4_XS', 'iq4_xs', decodeIq4Xs], ['TQ1_0', 'tq1_0', decodeTq1_0], ['TQ2_0', 'tq2_0', decodeTq2_0],
  ['MXFP4', 'mxfp4', decodeMxfp4],
];

/** Deterministic standard normal values (Box-Muller on a 32-bit LCG), rounded to float32. */
function gaussian(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 4294967297;
  };
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

describe('dequantizeRowsCpu for the K-quants, IQ4, ternary and MXFP4', () => {
  for (const [type, file, read] of READERS) {
    it(`${type}: decodes the golden bytes as a direct reading of the layout does`, () => {
      for (const suffix of ['.bin', '.imatrix.bin']) {
        const bytes = readGoldenBytes(file + suffix);
        const values = dequantizeRowsCpu(type, bytes, GOLDEN_COLS);
        const { typeSize, blockSize } = GGML_TYPES[type];
        let nonZero = 0;
        for (let blk = 0; blk < bytes.length / typeSize; blk++) {
          const ref = read(bytes.subarray(blk * typeSize, (blk + 1) * typeSize));
          for (let j = 0; j < blockSize; j++) {
            const got = values[blk * blockSize + j]!;
            if (got !== 0) nonZero++;
            if (!Object.is(got, ref[j])) {
              expect(got, `${type}${suffix} block ${blk} element ${j}`).toBe(ref[j]);
            }
          }
        }
        expect(nonZero, `${type}${suffix} decodes to something`).toBeGreaterThan(values.length / 8);
      }
    });
  }

  // Relative RMS error of quantize -> dequantize on gaussian rows, well above what each format
  // reaches (measured here: Q6_K 0.018, Q5_K 0.036, Q4_K 0.071-0.074, Q3_K 0.151, Q2_K 0.285-0.295,
  // IQ4_NL/XS 0.076-0.078, MXFP4 0.114, TQ* 0.816: ternary levels on gaussian data) and well
  // below what a packing or scale bug gives.
  const BOUNDS: Record<string, number> = {
    Q6_K: 0.023, Q5_K: 0.045, Q4_K: 0.09, Q3_K: 0.19, Q2_K: 0.36, IQ4_NL: 0.095, IQ4_XS: 0.095,
    MXFP4: 0.14, TQ1_0: 0.85, TQ2_0: 0.85,
  };
  it('round-trips gaussian rows within each format\'s error, with and without an imatrix', () => {
    const cols = 1024;
    const rows = 8;
    const src = gaussian(rows * cols, 12345);
    const imatrix = gaussian(cols, 99).map((v) => Math.exp(v));
    for (const [type] of READERS) {
      for (const im of [null, imatrix]) {
        const back = dequantizeRowsCpu(type, quantizeRowsCpu(type, src, cols, im), cols);
        let err = 0;
        let sig = 0;
        for (let i = 0; i < src.length; i++) {
          err += (back[i]! - src[i]!) ** 2;
          sig += src[i]! ** 2;
        }
        const rel = Math.sqrt(err / sig);
        expect(rel, `${type} ${im ? 'with' : 'without'} imatrix`).toBeLessThan(BOUNDS[type]!);
      }
    }
  });

  it('gives ternary values exactly 0 or ±d, the sign of x wherever |x| > d/2', () => {
    const src = gaussian(512, 7);
    for (const type of ['TQ1_0', 'TQ2_0'] as const) {
      const back = dequantizeRowsCpu(type, quantizeRowsCpu(type, src, 256, null), 256);
      for (let b = 0; b < 2; b++) {
        let amax = 0;
        for (let j = 0; j < 256; j++) amax = Math.max(amax, Math.abs(src[256 * b + j]!));
        const d = Math.fround(amax); // fp16 rounding of d may move it by < 2^-11 relative
        for (let j = 0; j < 256; j++) {
          const x = src[256 * b + j]!;
          const y = back[256 * b + j]!;
          if (Math.abs(x) > 0.51 * d) expect(Math.sign(y), `${type} element ${j}`).toBe(Math.sign(x));
          if (Math.abs(x) < 0.49 * d) expect(y, `${type} element ${j}`).toBe(0);
          expect(Math.abs(Math.abs(y) - d) < d * 1e-3 || y === 0).toBe(true);
        }
      }
    }
  });
});
