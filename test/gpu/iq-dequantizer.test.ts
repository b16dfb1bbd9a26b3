// GPU dequantization of the low-bit i-quants equals the CPU reference (ggml's dequantize_row_iq*)
// bit for bit, on every golden file (all 48 rows: outliers, tiny rows with subnormal products,
// huge rows, all-zero blocks), plus random bytes (arbitrary indices, signs, scale codes and fp16
// scales, NaN and inf included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizerNeedsImatrix, rowBytes } from '../../src/core/ggml-type.ts';
import { dequantizeRowsCpu } from '../../src/core/quant/dequantize.ts';
import { createGpuIqDequantizer, type GpuIqDequantizer } from '../../src/gpu/iq-gpu-dequantizer.ts';
import { GPU_IQ_TYPES } from '../../src/gpu/gpu-types.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { GOLDEN_COLS, readGoldenOutput } from './golden-files.ts';

let device: GPUDevice;
let dequantizer: GpuIqDequantizer;

beforeAll(async () => {
  device = await createTestDevice();
  dequantizer = createGpuIqDequantizer(device);
});
afterAll(() => {
  dequantizer?.dispose();
  device?.destroy();
  expect(uncapturedGpuErrors).toEqual([]);
});

/** Index of the first element whose float32 bits differ (NaN payloads included), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

/** Deterministic random block bytes: arbitrary grid indices, sign patterns, scale codes and fp16 scale bits. */
function randomRows(type: (typeof GPU_IQ_TYPES)[number], rows: number, cols: number): Uint8Array {
  const bytes = new Uint8Array(rows * rowBytes(type, cols));
  let seed = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    bytes[i] = seed >>> 24;
  }
  return bytes;
}

describe('GPU i-quant dequantization equals the CPU reference bit for bit', () => {
  for (const type of GPU_IQ_TYPES) {
    const file = `${type.toLowerCase()}${quantizerNeedsImatrix(type) ? '.imatrix' : ''}.bin`;
    it(`${type}: golden ${file}`, async () => {
      const bytes = readGoldenOutput(file);
      const got = await dequantizer.dequantizeRows(type, bytes, GOLDEN_COLS);
      const want = dequantizeRowsCpu(type, bytes, GOLDEN_COLS);
      const at = firstBitDifference(got, want);
      expect(at, `${type}: element ${at}: got ${got[at]}, want ${want[at]}`).toBe(-1);
    });
    it(`${type}: random blocks`, async () => {
      const bytes = randomRows(type, 4, 1024);
      const got = await dequantizer.dequantizeRows(type, bytes, 1024);
      const want = dequantizeRowsCpu(type, bytes, 1024);
      const at = firstBitDifference(got, want);
      expect(at, `${type}: element ${at}: got ${got[at]}, want ${want[at]}`).toBe(-1);
    });
  }
});
