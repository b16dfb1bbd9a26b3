// ggml_quantize_requires_imatrix: IQ2_XXS, IQ2_XS and IQ1_S refuse to run without importance
// weights; IQ2_S, IQ3_XXS, IQ3_S and IQ1_M run without.
import { describe, expect, it } from 'vitest';
import { IQ_QUANTIZERS, type LowBitIqType } from '../../../../src/core/quant/iq/iq-tables.ts';
import { GGML_TYPE_NAMES, GGML_TYPES, quantizerNeedsImatrix } from '../../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../../src/core/quant/cpu-quantizer.ts';

const row = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));

describe('imatrix requirement of the low-bit i-quants', () => {
  for (const type of Object.keys(IQ_QUANTIZERS) as LowBitIqType[]) {
    const dst = new Uint8Array(GGML_TYPES[type].typeSize);
    if (quantizerNeedsImatrix(type)) {
      it(`${type} without an imatrix throws an error that says it needs one`, () => {
        expect(() => IQ_QUANTIZERS[type](row, 256, null, dst)).toThrow(
          new RegExp(`^${type} needs an importance matrix \\(imatrix\\)`),
        );
      });
    } else {
      it(`${type} quantizes without an imatrix`, () => {
        IQ_QUANTIZERS[type](row, 256, null, dst);
        expect(dst.some((b) => b !== 0)).toBe(true);
      });
    }
  }

  it('quantizeRowsCpu passes the error through for IQ1_S', () => {
    expect(() => quantizeRowsCpu('IQ1_S', row, 256, null)).toThrow(/IQ1_S needs an importance matrix/);
  });

  it('the type table marks exactly ggml_quantize_requires_imatrix', () => {
    expect(GGML_TYPE_NAMES.filter(quantizerNeedsImatrix).sort()).toEqual(['IQ1_S', 'IQ2_XS', 'IQ2_XXS']);
  });
});
