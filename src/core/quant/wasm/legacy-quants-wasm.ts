// The legacy row quantizers (Q4_0, Q4_1, Q5_0, Q5_1: ggml's _ref path without an imatrix, _impl
// with one) in WebAssembly, compiled from ./assembly/legacy-quants.entry.ts by
// scripts/build-wasm.mjs, float32 in ggml's operation order as the K-quants (k-quants-wasm.ts).
import { wasmKernels } from '../../wasm/wasm-instance.ts';
import { WASM_BASE64 } from './legacy-quants.wasm.generated.ts';
import { quantizeRowsInWasm, type WasmRowsFn } from './wasm-rows.ts';

export type WasmLegacyType = 'Q4_0' | 'Q4_1' | 'Q5_0' | 'Q5_1';

interface LegacyExports {
  quantizeQ4_0: WasmRowsFn;
  quantizeQ4_1: WasmRowsFn;
  quantizeQ5_0: WasmRowsFn;
  quantizeQ5_1: WasmRowsFn;
}

const KERNELS: Record<WasmLegacyType, { fn: keyof LegacyExports; blockBytes: number }> = {
  Q4_0: { fn: 'quantizeQ4_0', blockBytes: 18 },
  Q4_1: { fn: 'quantizeQ4_1', blockBytes: 20 },
  Q5_0: { fn: 'quantizeQ5_0', blockBytes: 22 },
  Q5_1: { fn: 'quantizeQ5_1', blockBytes: 24 },
};

const legacyQuants = wasmKernels<LegacyExports>(WASM_BASE64);

/**
 * Quantizes the rows of `src` (`cols` float32 each, cols a multiple of 32) into `dst` (exactly
 * their bytes), with `imatrix` (one weight per column) or without (null).
 */
export function quantizeLegacyRowsWasm(type: WasmLegacyType, src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  const k = legacyQuants();
  const { fn, blockBytes } = KERNELS[type];
  quantizeRowsInWasm(k, k.exports[fn], { name: type, blockValues: 32, blockBytes }, src, cols, imatrix, dst);
}
