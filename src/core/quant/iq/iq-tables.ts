// The low-bit i-quant entry points by ggml type name, for the CPU quantizer / dequantizer tables.
import type { RowsDequantizeFn, RowsQuantizeFn } from '../rows-quantize-fn.ts';
import {
  dequantizeIq1M, dequantizeIq1S, dequantizeIq2S, dequantizeIq2Xs, dequantizeIq2Xxs, dequantizeIq3S, dequantizeIq3Xxs,
} from './iq-dequantize.ts';
import { quantizeIq1M } from './iq1-m.ts';
import { quantizeIq1S } from './iq1-s.ts';
import { quantizeIq2S } from './iq2-s.ts';
import { quantizeIq2Xs } from './iq2-xs.ts';
import { quantizeIq2Xxs } from './iq2-xxs.ts';
import { quantizeIq3S } from './iq3-s.ts';
import { quantizeIq3Xxs } from './iq3-xxs.ts';

export type LowBitIqType = 'IQ2_XXS' | 'IQ2_XS' | 'IQ2_S' | 'IQ3_XXS' | 'IQ3_S' | 'IQ1_S' | 'IQ1_M';

export const IQ_QUANTIZERS: Record<LowBitIqType, RowsQuantizeFn> = {
  IQ2_XXS: quantizeIq2Xxs,
  IQ2_XS: quantizeIq2Xs,
  IQ2_S: quantizeIq2S,
  IQ3_XXS: quantizeIq3Xxs,
  IQ3_S: quantizeIq3S,
  IQ1_S: quantizeIq1S,
  IQ1_M: quantizeIq1M,
};

export const IQ_DEQUANTIZERS: Record<LowBitIqType, RowsDequantizeFn> = {
  IQ2_XXS: (b, _c, d) => dequantizeIq2Xxs(b, d),
  IQ2_XS: (b, _c, d) => dequantizeIq2Xs(b, d),
  IQ2_S: (b, _c, d) => dequantizeIq2S(b, d),
  IQ3_XXS: (b, _c, d) => dequantizeIq3Xxs(b, d),
  IQ3_S: (b, _c, d) => dequantizeIq3S(b, d),
  IQ1_S: (b, _c, d) => dequantizeIq1S(b, d),
  IQ1_M: (b, _c, d) => dequantizeIq1M(b, d),
};
