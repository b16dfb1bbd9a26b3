// GPU dequantization of every GPU type equals ggml's dequantize_row_* bit for bit: against the
// CPU reference (core/quant/dequantize.ts) where it has the type, else against the plain readers
// of dequant-reference.ts; decoded from the golden quantizer outputs (outliers, tiny, huge rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GGML_TYPES } from '../../src/core/ggml-type.ts';
import { dequantizeRowsCpu, supportsDequantizeCpu } from '../../src/core/quant/dequantize.ts';
import { createGpuRowDequantizer } from '../../src/gpu/gpu-dequantizer.ts';
import type { GpuRowDequantizer } from '../../src/gpu/row-dequantizer.ts';
import { GPU_QUANT_TYPES } from '../../src/gpu/gpu-types.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { GOLDEN_COLS, goldenOrGgmlOutput, readGoldenOutput } from './golden-files.ts';
import { referenceDequantize } from './dequant-reference.ts';

let device: GPUDevice;
let dequantizer: GpuRowDequantizer;

beforeAll(async () => {
  device = await createTestDevice();
  dequantizer = createGpuRowDequantizer(device);
});
afterAll(() => {
  dequantizer?.dispose();
  device?.destroy();
  expect(uncapturedGpuErrors).toEqual([]);
});

const goldenName = (type: string) => (type.endsWith('_K') ? type.slice(0, -2).toLowerCase() + '_K' : type.toLowerCase());

/** Index of the first element whose float32 bits differ (NaN payloads included), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

describe('GPU dequantization equals ggml bit for bit', () => {
  for (const type of GPU_QUANT_TYPES) {
    it(`${type}`, async () => {
      const bytes = goldenOrGgmlOutput(type, `${goldenName(type)}.bin`, false);
      const got = await dequantizer.dequantizeRows(type, bytes, GOLDEN_COLS);
      const want = supportsDequantizeCpu(type)
        ? dequantizeRowsCpu(type, bytes, GOLDEN_COLS)
        : referenceDequantize(type, bytes, got.length);
      expect(got.length).toBe((bytes.length / GGML_TYPES[type].typeSize) * GGML_TYPES[type].blockSize);
      const at = firstBitDifference(got, want);
      expect(at, `${type}: element ${at}: got ${got[at]}, want ${want[at]}`).toBe(-1);
    });
  }

  it('decodes in chunks the same way (Q4_1, 5 rows per chunk)', async () => {
    const chunked = createGpuRowDequantizer(device, { maxChunkElements: 5 * GOLDEN_COLS });
    try {
      const bytes = readGoldenOutput('q4_1.bin');
      expect(firstBitDifference(await chunked.dequantizeRows('Q4_1', bytes, GOLDEN_COLS), dequantizeRowsCpu('Q4_1', bytes, GOLDEN_COLS))).toBe(-1);
    } finally {
      chunked.dispose();
    }
  });

  it('rejects bytes that are not whole rows, naming the type', async () => {
    await expect(dequantizer.dequantizeRows('Q6_K', new Uint8Array(100), 256)).rejects.toThrow(/Q6_K/);
  });
});
