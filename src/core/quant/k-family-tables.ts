// The CPU quantizers and dequantizers of the K-quants, IQ4_NL/IQ4_XS, the ternary types and
// MXFP4, keyed for the tables of cpu-quantizer.ts and dequantize.ts. Each follows the function
// ggml_quantize_chunk calls for the type: K-quants take the _ref path without an imatrix and the
// _impl path with one; IQ4_* always run the impl (weights x² without an imatrix); TQ*/MXFP4
// ignore the imatrix. All of them run in WebAssembly (wasm/).
import { dequantizeIq4Nl, dequantizeIq4Xs, dequantizeMxfp4, dequantizeTq1_0, dequantizeTq2_0 } from './dequantize-nonlinear.ts';
import { dequantizeQ2_K, dequantizeQ3_K, dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K } from './k/dequantize-k.ts';
import type { RowsDequantizeFn, RowsQuantizeFn } from './rows-quantize-fn.ts';
import { quantizeBlockRowsWasm } from './wasm/block-quants-wasm.ts';
import { quantizeIRowsWasm } from './wasm/i-quants-wasm.ts';
import { quantizeKRowsWasm, type WasmKQuantType } from './wasm/k-quants-wasm.ts';

export type KFamilyType = 'Q2_K' | 'Q3_K' | 'Q4_K' | 'Q5_K' | 'Q6_K' | 'IQ4_NL' | 'IQ4_XS' | 'TQ1_0' | 'TQ2_0' | 'MXFP4';

/** Q2_K..Q6_K run in WebAssembly (wasm/): the _ref path when imatrix is null, _impl otherwise. */
const kQuant = (type: WasmKQuantType): RowsQuantizeFn => (src, cols, imatrix, dst) => quantizeKRowsWasm(type, src, cols, imatrix, dst);

export const K_FAMILY_QUANTIZERS: Record<KFamilyType, RowsQuantizeFn> = {
  Q2_K: kQuant('Q2_K'),
  Q3_K: kQuant('Q3_K'),
  Q4_K: kQuant('Q4_K'),
  Q5_K: kQuant('Q5_K'),
  Q6_K: kQuant('Q6_K'),
  IQ4_NL: (src, cols, imatrix, dst) => quantizeIRowsWasm('IQ4_NL', src, cols, imatrix, dst),
  IQ4_XS: (src, cols, imatrix, dst) => quantizeIRowsWasm('IQ4_XS', src, cols, imatrix, dst),
  TQ1_0: (src, cols, _im, dst) => quantizeBlockRowsWasm('TQ1_0', src, cols, null, dst),
  TQ2_0: (src, cols, _im, dst) => quantizeBlockRowsWasm('TQ2_0', src, cols, null, dst),
  MXFP4: (src, cols, _im, dst) => quantizeBlockRowsWasm('MXFP4', src, cols, null, dst),
};

export const K_FAMILY_DEQUANTIZERS: Record<KFamilyType, RowsDequantizeFn> = {
  Q2_K: (b, _c, d) => dequantizeQ2_K(b, d),
  Q3_K: (b, _c, d) => dequantizeQ3_K(b, d),
  Q4_K: (b, _c, d) => dequantizeQ4_K(b, d),
  Q5_K: (b, _c, d) => dequantizeQ5_K(b, d),
  Q6_K: (b, _c, d) => dequantizeQ6_K(b, d),
  IQ4_NL: (b, _c, d) => dequantizeIq4Nl(b, d),
  IQ4_XS: (b, _c, d) => dequantizeIq4Xs(b, d),
  TQ1_0: (b, _c, d) => dequantizeTq1_0(b, d),
  TQ2_0: (b, _c, d) => dequantizeTq2_0(b, d),
  MXFP4: (b, _c, d) => dequantizeMxfp4(b, d),
};
