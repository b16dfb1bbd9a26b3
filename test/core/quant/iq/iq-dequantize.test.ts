// Decoding: the production dequantizers agree with a plain per-element decoder on ggml's own
// bytes, and quantize -> dequantize stays close to the input.
import { describe, expect, it } from 'vitest';
import { GGML_TYPES } from '../../../../src/core/ggml-type.ts';
import { dequantizeRowsCpu } from '../../../../src/core/quant/dequantize.ts';
import { IQ_DEQUANTIZERS, IQ_QUANTIZERS, type LowBitIqType } from '../../../../src/core/quant/iq/iq-tables.ts';
import { COLS, ROWS, goldenBytes } from './golden-files.ts';
import { decodePlain } from './independent-decode.ts';

const TYPES: LowBitIqType[] = ['IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M'];

/** Upper bounds on RMS error / RMS value for gaussian data with the golden imatrix (measured + margin). */
const MAX_RELATIVE_RMSE: Record<LowBitIqType, number> = {
  // measured: 0.360, 0.320, 0.261, 0.200, 0.147, 0.516, 0.487
  IQ2_XXS: 0.4, IQ2_XS: 0.36, IQ2_S: 0.3, IQ3_XXS: 0.23, IQ3_S: 0.17, IQ1_S: 0.58, IQ1_M: 0.55,
};

function firstMismatch(a: Float32Array, b: Float32Array): string {
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return `element ${i} (row ${Math.floor(i / COLS)}): ${a[i]} vs ${b[i]}`;
  }
  return '';
}

/** Deterministic standard normal values (xorshift + Box-Muller). */
function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

function relativeRmse(x: Float32Array, y: Float32Array): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < x.length; i++) {
    err += (x[i]! - y[i]!) ** 2;
    ref += x[i]! ** 2;
  }
  return Math.sqrt(err / ref);
}

describe('low-bit i-quant dequantizers', () => {
  for (const type of TYPES) {
    it(`${type}: decoding ggml's bytes matches the plain per-element decoder`, () => {
      const bytes = goldenBytes(type.toLowerCase(), true)!;
      const fast = dequantizeRowsCpu(type, bytes, COLS);
      const plain = decodePlain(type, bytes, GGML_TYPES[type].typeSize, ROWS * COLS);
      expect(firstMismatch(fast, plain)).toBe('');
      expect(fast.some((v) => v !== 0)).toBe(true);
    });
  }

  const rows = 4;
  const cols = 4096;
  const x = gaussian(rows * cols, 12345);
  const imatrix = gaussian(cols, 777).map((v) => Math.exp(v));
  for (const type of TYPES) {
    it(`${type}: dequantize(quantize(x)) is within ${MAX_RELATIVE_RMSE[type]} relative RMS error`, () => {
      const bytes = new Uint8Array((rows * cols / 256) * GGML_TYPES[type].typeSize);
      IQ_QUANTIZERS[type](x, cols, imatrix, bytes);
      const y = new Float32Array(x.length);
      IQ_DEQUANTIZERS[type](bytes, cols, y);
      expect(relativeRmse(x, y)).toBeLessThan(MAX_RELATIVE_RMSE[type]);
    });
  }
});
