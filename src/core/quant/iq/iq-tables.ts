// The low-bit i-quant entry points by ggml type name, for the CPU quantizer / dequantizer tables.
// The quantizers run in WebAssembly (../wasm/i-quants-wasm.ts).
import type { RowsDequantizeFn, RowsQuantizeFn } from '../rows-quantize-fn.ts';
import { quantizeIRowsWasm } from '../wasm/i-quants-wasm.ts';
import {
  dequantizeIq1M, dequantizeIq1S, dequantizeIq2S, dequantizeIq2Xs, dequantizeIq2Xxs, dequantizeIq3S, dequantizeIq3Xxs,
} from './iq-dequantize.ts';

export type LowBitIqType = 'IQ2_XXS' | 'IQ2_XS' | 'IQ2_S' | 'IQ3_XXS' | 'IQ3_S' | 'IQ1_S' | 'IQ1_M';

const iQuant = (type: LowBitIqType): RowsQuantizeFn => (src, cols, imatrix, dst) => quantizeIRowsWasm(type, src, cols, imatrix, dst);

export const IQ_QUANTIZERS: Record<LowBitIqType, RowsQuantizeFn> = {
  IQ2_XXS: iQuant('IQ2_XXS'),
  IQ2_XS: iQuant('IQ2_XS'),
  IQ2_S: iQuant('IQ2_S'),
  IQ3_XXS: iQuant('IQ3_XXS'),
  IQ3_S: iQuant('IQ3_S'),
  IQ1_S: iQuant('IQ1_S'),
  IQ1_M: iQuant('IQ1_M'),
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
