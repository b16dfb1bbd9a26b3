// The quantizers of the simple block types in WebAssembly, compiled from
// ./assembly/block-quants.entry.ts by scripts/build-wasm.mjs, float32 in ggml's operation order as
// the K-quants (k-quants-wasm.ts): Q4_0..Q5_1 (ggml's _ref path without an imatrix, _impl with
// one), and Q8_0, MXFP4, NVFP4, TQ1_0, TQ2_0, Q1_0, Q2_0, F16 and BF16, whose bytes never depend
// on the imatrix.
import { wasmKernels } from '../../wasm/wasm-instance.ts';
import { WASM_BASE64 } from './block-quants.wasm.generated.ts';
import { quantizeRowsInWasm, type WasmRowsFn } from './wasm-rows.ts';

export type WasmBlockType = 'Q4_0' | 'Q4_1' | 'Q5_0' | 'Q5_1' | 'Q8_0' | 'MXFP4' | 'NVFP4' | 'TQ1_0' | 'TQ2_0' | 'Q1_0' | 'Q2_0' | 'F16' | 'BF16';

interface BlockExports {
  quantizeQ4_0: WasmRowsFn;
  quantizeQ4_1: WasmRowsFn;
  quantizeQ5_0: WasmRowsFn;
  quantizeQ5_1: WasmRowsFn;
  quantizeQ8_0: WasmRowsFn;
  quantizeMxfp4: WasmRowsFn;
  quantizeNvfp4: WasmRowsFn;
  quantizeQ1_0: WasmRowsFn;
  quantizeQ2_0: WasmRowsFn;
  quantizeTq1_0: WasmRowsFn;
  quantizeTq2_0: WasmRowsFn;
  quantizeF16: WasmRowsFn;
  quantizeBf16: WasmRowsFn;
  /** For tests: floorf(log2f(a)) as MXFP4's exponent takes it. */
  mxfp4FloorLog2(a: number): number;
  /** For tests: ggml_fp32_to_ue4m3. */
  nvfp4ScaleOf(x: number): number;
  /** For tests: ggml_ue4m3_to_fp32. */
  nvfp4ScaleHalf(u: number): number;
}

const KERNELS: Record<WasmBlockType, { fn: keyof BlockExports; blockValues: number; blockBytes: number; usesImatrix: boolean }> = {
  Q4_0: { fn: 'quantizeQ4_0', blockValues: 32, blockBytes: 18, usesImatrix: true },
  Q4_1: { fn: 'quantizeQ4_1', blockValues: 32, blockBytes: 20, usesImatrix: true },
  Q5_0: { fn: 'quantizeQ5_0', blockValues: 32, blockBytes: 22, usesImatrix: true },
  Q5_1: { fn: 'quantizeQ5_1', blockValues: 32, blockBytes: 24, usesImatrix: true },
  Q8_0: { fn: 'quantizeQ8_0', blockValues: 32, blockBytes: 34, usesImatrix: false },
  MXFP4: { fn: 'quantizeMxfp4', blockValues: 32, blockBytes: 17, usesImatrix: false },
  NVFP4: { fn: 'quantizeNvfp4', blockValues: 64, blockBytes: 36, usesImatrix: false },
  Q1_0: { fn: 'quantizeQ1_0', blockValues: 128, blockBytes: 18, usesImatrix: false },
  Q2_0: { fn: 'quantizeQ2_0', blockValues: 64, blockBytes: 18, usesImatrix: false },
  TQ1_0: { fn: 'quantizeTq1_0', blockValues: 256, blockBytes: 54, usesImatrix: false },
  TQ2_0: { fn: 'quantizeTq2_0', blockValues: 256, blockBytes: 66, usesImatrix: false },
  F16: { fn: 'quantizeF16', blockValues: 1, blockBytes: 2, usesImatrix: false },
  BF16: { fn: 'quantizeBf16', blockValues: 1, blockBytes: 2, usesImatrix: false },
};

export const blockQuants = wasmKernels<BlockExports>(WASM_BASE64);

/**
 * Quantizes the rows of `src` (`cols` float32 each, cols a multiple of the block) into `dst`
 * (exactly their bytes), with `imatrix` (one weight per column) or without (null).
 */
export function quantizeBlockRowsWasm(type: WasmBlockType, src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  const k = blockQuants();
  const { fn, blockValues, blockBytes, usesImatrix } = KERNELS[type];
  quantizeRowsInWasm(k, k.exports[fn] as WasmRowsFn, { name: type, blockValues, blockBytes }, src, cols, usesImatrix ? imatrix : null, dst);
}
