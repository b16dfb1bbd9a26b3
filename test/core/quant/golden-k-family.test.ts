import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GgmlTypeName } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import {
  GOLDEN_COLS, GOLDEN_DIR, GOLDEN_ROWS, firstRowDifference, readGoldenBytes, readGoldenF32,
} from './golden-files.ts';

// Every type here has both golden files; TQ1_0, TQ2_0 and MXFP4 ignore the imatrix, and their
// .imatrix.bin files record exactly that.
const TYPES: readonly [string, GgmlTypeName][] = [
  ['q2_K', 'Q2_K'], ['q3_K', 'Q3_K'], ['q4_K', 'Q4_K'], ['q5_K', 'Q5_K'], ['q6_K', 'Q6_K'],
  ['iq4_nl', 'IQ4_NL'], ['iq4_xs', 'IQ4_XS'], ['tq1_0', 'TQ1_0'], ['tq2_0', 'TQ2_0'], ['mxfp4', 'MXFP4'],
];

describe('K-quants, IQ4, ternary and MXFP4 reproduce the ggml golden files byte for byte', () => {
  const input = readGoldenF32('input.f32');
  const imatrix = readGoldenF32('imatrix.f32');

  for (const [file, type] of TYPES) {
    for (const withImatrix of [false, true]) {
      const name = `${file}${withImatrix ? '.imatrix' : ''}.bin`;
      it(`${type} ${withImatrix ? 'with' : 'without'} imatrix (${name})`, () => {
        expect(existsSync(path.join(GOLDEN_DIR, name)), `${name} missing from ${GOLDEN_DIR}`).toBe(true);
        const expected = readGoldenBytes(name);
        const actual = quantizeRowsCpu(type, input, GOLDEN_COLS, withImatrix ? imatrix : null);
        expect(firstRowDifference(actual, expected, GOLDEN_ROWS), name).toBe('');
      });
    }
  }

  // Rows of 4096 columns with the imatrix repeated: every block sees the same values and
  // weights as in the 2048-column file, so the bytes must not change. This catches weights read
  // at the block's offset in the tensor instead of its column within the row.
  it('depends on the column within the row, not the row: 24 rows of 4096 give the same bytes', () => {
    const wide = new Float32Array(2 * GOLDEN_COLS);
    wide.set(imatrix, 0);
    wide.set(imatrix, GOLDEN_COLS);
    for (const [file, type] of TYPES) {
      for (const withImatrix of [false, true]) {
        const name = `${file}${withImatrix ? '.imatrix' : ''}.bin`;
        const actual = quantizeRowsCpu(type, input, 2 * GOLDEN_COLS, withImatrix ? wide : null);
        expect(firstRowDifference(actual, readGoldenBytes(name), GOLDEN_ROWS), `${name} as 4096-column rows`).toBe('');
      }
    }
  });

  it('carries no state between calls: one row alone gives that row of the whole file', () => {
    for (const [file, type] of TYPES) {
      const whole = readGoldenBytes(`${file}.imatrix.bin`);
      const perRow = whole.length / GOLDEN_ROWS;
      for (const r of [3, 4, 5, 47]) {
        const one = quantizeRowsCpu(type, input.subarray(r * GOLDEN_COLS, (r + 1) * GOLDEN_COLS), GOLDEN_COLS, imatrix);
        expect(firstRowDifference(one, whole.subarray(r * perRow, (r + 1) * perRow), 1), `${type} row ${r}`).toBe('');
      }
    }
  });
});
