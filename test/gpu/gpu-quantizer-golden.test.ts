// Every golden tensor of the GPU types must come out of the GPU byte for byte, every row, with
// and without the imatrix (48 rows x 2048: gaussian, outliers, zeros, tiny, huge, ...); for the
// types newer than the golden files, ggml's bytes for the same rows, computed at test time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowBytes } from '../../src/core/ggml-type.ts';
import { createGpuRowQuantizer, type GpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { GPU_QUANT_TYPES } from '../../src/gpu/gpu-types.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { ggmlQuantizeChunk } from '../helpers/ggml-reference.ts';
import { sweepRows } from '../helpers/scale-sweep-rows.ts';
import {
  describeMismatch, GOLDEN_COLS, goldenOrGgmlOutput, readGoldenImatrix, readGoldenInput, readGoldenOutput,
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
  expect(uncapturedGpuErrors).toEqual([]);
});

// F16/BF16 have no imatrix file: ggml ignores importance weights for them.
// Golden files keep ggml's spelling: q4_0.bin, iq4_xs.bin, but q4_K.bin.
const goldenFile = (type: string, withImatrix: boolean) =>
  `${type.toLowerCase().replace(/_k$/, '_K')}${withImatrix && type !== 'F16' && type !== 'BF16' ? '.imatrix' : ''}.bin`;

describe('GPU quantizers reproduce ggml byte for byte', () => {
  for (const type of GPU_QUANT_TYPES) {
    for (const withImatrix of [false, true]) {
      it(`${type}${withImatrix ? ' with imatrix' : ''}`, async () => {
        const got = await quantizer.quantizeRows(type, input, GOLDEN_COLS, withImatrix ? imatrix : null);
        const mismatch = describeMismatch(got, goldenOrGgmlOutput(type, goldenFile(type, withImatrix), withImatrix), rowBytes(type, GOLDEN_COLS));
        expect(mismatch, `${type}: ${mismatch}`).toBeNull();
      });
    }
  }
});

describe('the small-block scales against ggml on rows that sweep the float32 range', () => {
  // Each 16-value group has its own scale (UE4M3 subnormals, the 448 cap, float32 subnormals,
  // fp16 overflow): the encoders' edge cases, which the golden rows only touch. 16 rows of 1024.
  for (const type of ['NVFP4', 'Q1_0', 'Q2_0'] as const) {
    it(type, async () => {
      const x = sweepRows(16, 11);
      const got = await quantizer.quantizeRows(type, x, 1024, null);
      expect(describeMismatch(got, ggmlQuantizeChunk(type, x, 1024, null).bytes, rowBytes(type, 1024))).toBeNull();
    });
  }
});

describe('chunked and odd-sized inputs give the same bytes', () => {
  // Without an imatrix every 32-block is independent, so the goldens also hold for rows of 32.
  // 287 single-block rows per chunk: every chunk ends in a half-filled two-block group.
  for (const type of ['Q4_0', 'Q5_0', 'Q8_0'] as const) {
    it(`${type} in chunks of 287 rows of 32`, async () => {
      const chunked = createGpuRowQuantizer(device, { maxChunkElements: 287 * 32 });
      try {
        const got = await chunked.quantizeRows(type, input, 32, null);
        expect(describeMismatch(got, readGoldenOutput(goldenFile(type, false)), rowBytes(type, 32))).toBeNull();
      } finally {
        chunked.dispose();
      }
    });
  }

  it('Q5_0 with imatrix in chunks of 5 rows (the row pass runs per chunk)', async () => {
    const chunked = createGpuRowQuantizer(device, { maxChunkElements: 5 * GOLDEN_COLS });
    try {
      const got = await chunked.quantizeRows('Q5_0', input, GOLDEN_COLS, imatrix);
      expect(describeMismatch(got, readGoldenOutput('q5_0.imatrix.bin'), rowBytes('Q5_0', GOLDEN_COLS))).toBeNull();
    } finally {
      chunked.dispose();
    }
  });

  it('F16 with an odd number of elements per chunk', async () => {
    const chunked = createGpuRowQuantizer(device, { maxChunkElements: 3 * 33 });
    try {
      const got = await chunked.quantizeRows('F16', input.subarray(0, 31 * 33), 33, null);
      expect(describeMismatch(got, readGoldenOutput('f16.bin').subarray(0, 31 * 66), 66)).toBeNull();
    } finally {
      chunked.dispose();
    }
  });

  it('rejects a row length that is not whole blocks, naming the type', async () => {
    await expect(quantizer.quantizeRows('Q4_0', input.subarray(0, 48), 48, null)).rejects.toThrow(/Q4_0/);
  });
});
