// Every golden tensor of the GPU types must come out of the GPU byte for byte, every row, with
// and without the imatrix (48 rows x 2048: gaussian, outliers, zeros, tiny, huge, ...).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowBytes } from '../../src/core/ggml-type.ts';
import { createGpuRowQuantizer, type GpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { GPU_QUANT_TYPES } from '../../src/gpu/quant-variants.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import {
  describeMismatch, GOLDEN_COLS, readGoldenImatrix, readGoldenInput, readGoldenOutput,
} from './golden-files.ts';

let device: GPUDevice;
let quantizer: GpuRowQuantizer;
const input = readGoldenInput();
const imatrix = readGoldenImatrix();

beforeAll(async () => {
  device = await createTestDevice();
  quantizer = createGpuRowQuantizer(device);
});
afterAll(() => {
  quantizer?.dispose();
  device?.destroy();
});

// F16/BF16 have no imatrix file: ggml ignores importance weights for them.
const goldenFile = (type: string, withImatrix: boolean) =>
  `${type.toLowerCase()}${withImatrix && type !== 'F16' && type !== 'BF16' ? '.imatrix' : ''}.bin`;

describe('GPU quantizers reproduce ggml byte for byte', () => {
  for (const type of GPU_QUANT_TYPES) {
    for (const withImatrix of [false, true]) {
      it(`${type}${withImatrix ? ' with imatrix' : ''}`, async () => {
        const got = await quantizer.quantizeRows(type, input, GOLDEN_COLS, withImatrix ? imatrix : null);
        const mismatch = describeMismatch(got, readGoldenOutput(goldenFile(type, withImatrix)), rowBytes(type, GOLDEN_COLS));
        expect(mismatch, `${type}: ${mismatch}`).toBeNull();
      });
    }
  }
});
