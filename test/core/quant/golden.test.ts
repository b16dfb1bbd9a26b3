import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GgmlTypeName } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import {
  GOLDEN_COLS, GOLDEN_DIR, GOLDEN_ROWS, firstRowDifference, readGoldenBytes, readGoldenF32,
} from './golden-files.ts';

// [file stem, type, has an .imatrix.bin]. F16/BF16 have no imatrix file: ggml ignores the
// weights there, so their imatrix run is checked against the plain file.
const TYPES: readonly [string, GgmlTypeName, boolean][] = [
  ['f16', 'F16', false], ['bf16', 'BF16', false], ['q8_0', 'Q8_0', true],
  ['q4_0', 'Q4_0', true], ['q4_1', 'Q4_1', true], ['q5_0', 'Q5_0', true], ['q5_1', 'Q5_1', true],
];

describe('CPU quantizers reproduce ggml golden files byte for byte', () => {
  const input = readGoldenF32('input.f32');
  const imatrix = readGoldenF32('imatrix.f32');

  it('reads the fixture shapes', () => {
    expect(input.length).toBe(GOLDEN_ROWS * GOLDEN_COLS);
    expect(imatrix.length).toBe(GOLDEN_COLS);
  });

  for (const [file, type, hasImatrixFile] of TYPES) {
    for (const withImatrix of [false, true]) {
      const name = `${file}${withImatrix && hasImatrixFile ? '.imatrix' : ''}.bin`;
      it(`${type} ${withImatrix ? 'with' : 'without'} imatrix (${name})`, () => {
        expect(existsSync(path.join(GOLDEN_DIR, name)), `${name} missing from ${GOLDEN_DIR}`).toBe(true);
        const expected = readGoldenBytes(name);
        const actual = quantizeRowsCpu(type, input, GOLDEN_COLS, withImatrix ? imatrix : null);
        expect(firstRowDifference(actual, expected, GOLDEN_ROWS), name).toBe('');
      });
    }
  }

  it('quantizes row by row exactly as in one call (no state carried between rows)', () => {
    for (const type of ['Q4_1', 'Q5_0'] as const) {
      const whole = quantizeRowsCpu(type, input, GOLDEN_COLS, imatrix);
      const perRow = whole.length / GOLDEN_ROWS;
      for (const r of [0, 5, 13, 47]) {
        const one = quantizeRowsCpu(type, input.subarray(r * GOLDEN_COLS, (r + 1) * GOLDEN_COLS), GOLDEN_COLS, imatrix);
        expect(firstRowDifference(one, whole.subarray(r * perRow, (r + 1) * perRow), 1), `${type} row ${r}`).toBe('');
      }
    }
  });
});
