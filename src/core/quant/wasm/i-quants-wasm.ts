// The i-quant row quantizers (IQ4_NL, IQ4_XS, IQ3_XXS, IQ3_S, IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S, IQ1_M)
// in WebAssembly, compiled from ./assembly/i-quants.entry.ts by scripts/build-wasm.mjs, float32 in
// ggml's operation order as the K-quants (k-quants-wasm.ts). IQ2_XXS, IQ2_XS and IQ1_S need
// importance weights (ggml_quantize_requires_imatrix): without them this throws, naming the type.
import { wasmKernels } from '../../wasm/wasm-instance.ts';
import { requireQuantizerImatrix } from '../iq/quantizer-imatrix.ts';
import { WASM_BASE64 } from './i-quants.wasm.generated.ts';
import { quantizeRowsInWasm, type WasmRowsFn } from './wasm-rows.ts';

export type WasmIQuantType = 'IQ4_NL' | 'IQ4_XS' | 'IQ3_XXS' | 'IQ3_S' | 'IQ2_XXS' | 'IQ2_XS' | 'IQ2_S' | 'IQ1_S' | 'IQ1_M';

interface IQuantsExports {
  quantizeIq4Nl: WasmRowsFn;
  quantizeIq4Xs: WasmRowsFn;
  quantizeIq3Xxs: WasmRowsFn;
  quantizeIq3S: WasmRowsFn;
  quantizeIq2Xxs: WasmRowsFn;
  quantizeIq2Xs: WasmRowsFn;
  quantizeIq2S: WasmRowsFn;
  quantizeIq1S: WasmRowsFn;
  quantizeIq1M: WasmRowsFn;
  /** For tests: the packed point list of a grid (uint16 words). */
  gridPoints(grid: number): number;
  /** For tests: the neighbour list of an off-grid point (a uint16 count, then grid indices; 0 on the grid). */
  neighbourList(grid: number, point: number): number;
  /** For tests: the kvalues_iq4nl entry IQ4_NL / IQ4_XS round a value to. */
  iq4BestIndex(x: number): number;
}

const KERNELS: Record<WasmIQuantType, { fn: keyof IQuantsExports; blockValues: number; blockBytes: number; needsImatrix: boolean }> = {
  IQ4_NL: { fn: 'quantizeIq4Nl', blockValues: 32, blockBytes: 18, needsImatrix: false },
  IQ4_XS: { fn: 'quantizeIq4Xs', blockValues: 256, blockBytes: 136, needsImatrix: false },
  IQ3_XXS: { fn: 'quantizeIq3Xxs', blockValues: 256, blockBytes: 98, needsImatrix: false },
  IQ3_S: { fn: 'quantizeIq3S', blockValues: 256, blockBytes: 110, needsImatrix: false },
  IQ2_XXS: { fn: 'quantizeIq2Xxs', blockValues: 256, blockBytes: 66, needsImatrix: true },
  IQ2_XS: { fn: 'quantizeIq2Xs', blockValues: 256, blockBytes: 74, needsImatrix: true },
  IQ2_S: { fn: 'quantizeIq2S', blockValues: 256, blockBytes: 82, needsImatrix: false },
  IQ1_S: { fn: 'quantizeIq1S', blockValues: 256, blockBytes: 50, needsImatrix: true },
  IQ1_M: { fn: 'quantizeIq1M', blockValues: 256, blockBytes: 56, needsImatrix: false },
};

export const iQuants = wasmKernels<IQuantsExports>(WASM_BASE64);

/**
 * Quantizes the rows of `src` (`cols` float32 each, cols a multiple of the block) into `dst`
 * (exactly their bytes), with `imatrix` (one weight per column) or without (null).
 */
export function quantizeIRowsWasm(type: WasmIQuantType, src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  const { fn, blockValues, blockBytes, needsImatrix } = KERNELS[type];
  const qw = needsImatrix ? requireQuantizerImatrix(type, imatrix) : imatrix;
  const k = iQuants();
  quantizeRowsInWasm(k, k.exports[fn] as WasmRowsFn, { name: type, blockValues, blockBytes }, src, cols, qw, dst);
}
