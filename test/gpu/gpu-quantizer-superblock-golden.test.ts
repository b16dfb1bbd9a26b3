// The super-block and non-linear types (Q2_K..Q6_K, IQ4_NL, IQ4_XS, TQ1_0, TQ2_0, MXFP4) must come
// out of the GPU byte for byte as ggml wrote them, with and without the imatrix.
// Slow searches (SwiftShader runs softfloat at a few MFLOP/s) are checked on one super-block per
// golden row (superblock-sample.ts): every row without the imatrix, rows 0..11 (each row shape once)
// with it; MXFP4 and the ternary types on whole golden tensors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowBytes, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import { createGpuRowQuantizer, type GpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { describeMismatch, GOLDEN_COLS, GOLDEN_ROWS, readGoldenImatrix, readGoldenInput, readGoldenOutput } from './golden-files.ts';
import { SUPERBLOCK, superblockSamples } from './superblock-sample.ts';

let device: GPUDevice;
let quantizer: GpuRowQuantizer;
const input = readGoldenInput();
const imatrix = readGoldenImatrix();
const ALL_ROWS = Array.from({ length: GOLDEN_ROWS }, (_, r) => r);
const SHAPE_ROWS = ALL_ROWS.slice(0, 12);

beforeAll(async () => {
  device = await createTestDevice();
  quantizer = createGpuRowQuantizer(device);
});
afterAll(() => {
  quantizer?.dispose();
  device?.destroy();
  expect(uncapturedGpuErrors).toEqual([]);
});

const SEARCH_TYPES: readonly [GgmlTypeName, string][] = [
  ['Q2_K', 'q2_K'], ['Q3_K', 'q3_K'], ['Q4_K', 'q4_K'], ['Q5_K', 'q5_K'], ['Q6_K', 'q6_K'],
  ['IQ4_NL', 'iq4_nl'], ['IQ4_XS', 'iq4_xs'],
];

async function expectSuperblocks(type: GgmlTypeName, file: string, rows: readonly number[], pick: (r: number) => number, weighted: boolean) {
  const samples = superblockSamples(type, rows, pick, input, imatrix, readGoldenOutput(file));
  expect(samples.reduce((n, s) => n + s.rows.length, 0)).toBe(rows.length);
  for (const sample of samples) {
    const got = await quantizer.quantizeRows(type, sample.input, SUPERBLOCK, weighted ? sample.imatrix : null);
    const mismatch = describeMismatch(got, sample.want, rowBytes(type, SUPERBLOCK));
    expect(mismatch, `${type} super-block ${sample.superblock} of rows ${sample.rows.join(',')}: ${mismatch}`).toBeNull();
  }
}

describe('GPU super-block quantizers reproduce ggml byte for byte', () => {
  for (const [type, file] of SEARCH_TYPES) {
    // Without an imatrix the column does not matter: vary the super-block along the rows.
    it(`${type}: one super-block of every golden row`, () =>
      expectSuperblocks(type, `${file}.bin`, ALL_ROWS, (r) => (5 * r) % 8, false));
    it(`${type} with imatrix: one super-block of rows 0..11`, () =>
      expectSuperblocks(type, `${file}.imatrix.bin`, SHAPE_ROWS, (r) => (3 * r + 1) % 8, true));
  }
});

describe('GPU quantizers of whole golden tensors', () => {
  // ggml ignores the imatrix for these: the .imatrix files must come out of the same kernels.
  for (const [type, file] of [['TQ1_0', 'tq1_0'], ['TQ2_0', 'tq2_0'], ['MXFP4', 'mxfp4']] as const) {
    for (const weighted of [false, true]) {
      it(`${type}${weighted ? ' with imatrix' : ''}`, async () => {
        const got = await quantizer.quantizeRows(type, input, GOLDEN_COLS, weighted ? imatrix : null);
        const want = readGoldenOutput(`${file}${weighted ? '.imatrix' : ''}.bin`);
        const mismatch = describeMismatch(got, want, rowBytes(type, GOLDEN_COLS));
        expect(mismatch, `${type}: ${mismatch}`).toBeNull();
      });
    }
  }

  it('Q4_K with imatrix on a full 2048-column row (column offsets of the imatrix)', async () => {
    const perRow = rowBytes('Q4_K', GOLDEN_COLS);
    const got = await quantizer.quantizeRows('Q4_K', input.subarray(0, GOLDEN_COLS), GOLDEN_COLS, imatrix);
    const mismatch = describeMismatch(got, readGoldenOutput('q4_K.imatrix.bin').subarray(0, perRow), perRow);
    expect(mismatch, `Q4_K row 0: ${mismatch}`).toBeNull();
  });
});
