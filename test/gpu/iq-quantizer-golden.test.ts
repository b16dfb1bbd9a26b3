// The low-bit i-quants (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M) must come out of the
// GPU byte for byte as ggml wrote them, with the imatrix and (where ggml allows) without. Their
// searches are slow in softfloat on SwiftShader, so each golden row contributes one super-block
// (superblock-sample.ts), rows 0..11: every row shape once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowBytes } from '../../src/core/ggml-type.ts';
import { createGpuIqQuantizer, type GpuIqQuantizer } from '../../src/gpu/iq-gpu-quantizer.ts';
import { GPU_IQ_TYPES, IQ_KERNELS, type GpuIqType } from '../../src/gpu/iq-variants.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { describeMismatch, GOLDEN_COLS, readGoldenImatrix, readGoldenInput, readGoldenOutput } from './golden-files.ts';
import { SUPERBLOCK, superblockSamples } from './superblock-sample.ts';

let device: GPUDevice;
let quantizer: GpuIqQuantizer;
const input = readGoldenInput();
const imatrix = readGoldenImatrix();
const SHAPE_ROWS = Array.from({ length: 12 }, (_, r) => r);

beforeAll(async () => {
  device = await createTestDevice();
  quantizer = createGpuIqQuantizer(device);
});
afterAll(() => {
  quantizer?.dispose();
  device?.destroy();
  expect(uncapturedGpuErrors).toEqual([]);
});

async function expectSuperblocks(type: GpuIqType, weighted: boolean, pick: (r: number) => number) {
  const file = `${type.toLowerCase()}${weighted ? '.imatrix' : ''}.bin`;
  const samples = superblockSamples(type, SHAPE_ROWS, pick, input, imatrix, readGoldenOutput(file));
  expect(samples.reduce((n, s) => n + s.rows.length, 0)).toBe(SHAPE_ROWS.length);
  for (const sample of samples) {
    const got = await quantizer.quantizeRows(type, sample.input, SUPERBLOCK, weighted ? sample.imatrix : null);
    const mismatch = describeMismatch(got, sample.want, rowBytes(type, SUPERBLOCK));
    expect(mismatch, `${type} super-block ${sample.superblock} of rows ${sample.rows.join(',')}: ${mismatch}`).toBeNull();
  }
}

describe('GPU low-bit i-quants reproduce ggml byte for byte', () => {
  for (const type of GPU_IQ_TYPES) {
    it(`${type} with imatrix: one super-block of rows 0..11`, () => expectSuperblocks(type, true, (r) => (3 * r + 1) % 8));
    if (!IQ_KERNELS[type].requiresImatrix) {
      it(`${type}: one super-block of rows 0..11`, () => expectSuperblocks(type, false, (r) => (5 * r) % 8));
    }
  }

  it('IQ3_S with imatrix on a full 2048-column row (imatrix column offsets, block pairs)', async () => {
    const perRow = rowBytes('IQ3_S', GOLDEN_COLS);
    const got = await quantizer.quantizeRows('IQ3_S', input.subarray(0, GOLDEN_COLS), GOLDEN_COLS, imatrix);
    const mismatch = describeMismatch(got, readGoldenOutput('iq3_s.imatrix.bin').subarray(0, perRow), perRow);
    expect(mismatch, `IQ3_S row 0: ${mismatch}`).toBeNull();
  });

  it('refuses IQ2_XXS, IQ2_XS and IQ1_S without an imatrix, as ggml does', async () => {
    for (const type of ['IQ2_XXS', 'IQ2_XS', 'IQ1_S'] as const) {
      await expect(quantizer.quantizeRows(type, input.subarray(0, SUPERBLOCK), SUPERBLOCK, null)).rejects.toThrow(/imatrix/);
    }
  });
});
