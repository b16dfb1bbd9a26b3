// The low-bit i-quants (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M) must come out of the
// GPU byte for byte as ggml wrote them, with the imatrix and (where ggml allows) without: every
// golden file in full, all 48 rows (their searches are slow in softfloat on SwiftShader: about
// half a minute a file here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizerNeedsImatrix, rowBytes } from '../../src/core/ggml-type.ts';
import { createGpuIqQuantizer, type GpuIqQuantizer } from '../../src/gpu/iq-gpu-quantizer.ts';
import { GPU_IQ_TYPES } from '../../src/gpu/gpu-types.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { describeMismatch, GOLDEN_COLS, readGoldenImatrix, readGoldenInput, readGoldenOutput } from './golden-files.ts';

let device: GPUDevice;
let quantizer: GpuIqQuantizer;
const input = readGoldenInput();
const imatrix = readGoldenImatrix();

beforeAll(async () => {
  device = await createTestDevice();
  quantizer = createGpuIqQuantizer(device);
});
afterAll(() => {
  quantizer?.dispose();
  device?.destroy();
  expect(uncapturedGpuErrors).toEqual([]);
});

describe('GPU low-bit i-quants reproduce ggml byte for byte', () => {
  for (const type of GPU_IQ_TYPES) {
    for (const weighted of quantizerNeedsImatrix(type) ? [true] : [true, false]) {
      it(`${type}${weighted ? ' with imatrix' : ''}: the whole golden file`, async () => {
        const file = `${type.toLowerCase()}${weighted ? '.imatrix' : ''}.bin`;
        const got = await quantizer.quantizeRows(type, input, GOLDEN_COLS, weighted ? imatrix : null);
        const mismatch = describeMismatch(got, readGoldenOutput(file), rowBytes(type, GOLDEN_COLS));
        expect(mismatch, `${file}: ${mismatch}`).toBeNull();
      }, 600_000);
    }
  }

  it('refuses IQ2_XXS, IQ2_XS and IQ1_S without an imatrix, as ggml does', async () => {
    for (const type of ['IQ2_XXS', 'IQ2_XS', 'IQ1_S'] as const) {
      await expect(quantizer.quantizeRows(type, input.subarray(0, 256), 256, null)).rejects.toThrow(/imatrix/);
    }
  });
});
