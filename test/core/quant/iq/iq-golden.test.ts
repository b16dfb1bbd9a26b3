// Every golden file of the low-bit i-quants, byte for byte: the functions themselves and the
// CPU quantizer table that the app calls.
import { describe, expect, it } from 'vitest';
import { GGML_TYPES, rowBytes } from '../../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../../src/core/quant/cpu-quantizer.ts';
import { IQ_QUANTIZERS, type LowBitIqType } from '../../../../src/core/quant/iq/iq-tables.ts';
import { COLS, firstDifference, goldenBytes, goldenImatrix, goldenInput } from './golden-files.ts';

const TYPES: LowBitIqType[] = ['IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M'];
const input = goldenInput();
const imatrix = goldenImatrix();

describe('low-bit i-quants reproduce ggml byte for byte', () => {
  for (const type of TYPES) {
    for (const withImatrix of [false, true]) {
      const expected = goldenBytes(type.toLowerCase(), withImatrix);
      if (!expected) continue;
      it(`${type} ${withImatrix ? 'with' : 'without'} imatrix`, () => {
        const perRow = rowBytes(type, COLS);
        const dst = new Uint8Array(expected.length);
        IQ_QUANTIZERS[type](input, COLS, withImatrix ? imatrix : null, dst);
        expect(firstDifference(dst, expected, perRow, GGML_TYPES[type].typeSize)).toBe('');
      });
    }
  }

  it('has a golden file for every type (the set this test covers is complete)', () => {
    const files = TYPES.flatMap((t) => [goldenBytes(t.toLowerCase(), false), goldenBytes(t.toLowerCase(), true)]);
    expect(files.filter((f) => f !== null)).toHaveLength(11);
  });

  it('quantizeRowsCpu routes every type to these quantizers', () => {
    for (const type of TYPES) {
      const expected = goldenBytes(type.toLowerCase(), true)!;
      const perRow = rowBytes(type, COLS);
      // Two rows keep this fast; the full files are checked above.
      const got = quantizeRowsCpu(type, input.subarray(0, 2 * COLS), COLS, imatrix);
      expect(firstDifference(got, expected.subarray(0, 2 * perRow), perRow, GGML_TYPES[type].typeSize)).toBe('');
    }
  });
});
