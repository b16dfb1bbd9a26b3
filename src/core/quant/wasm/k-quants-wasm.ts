// The K-quant row quantizers (Q2_K..Q6_K, ggml's _ref path without an imatrix, _impl with one)
// in WebAssembly, compiled from ./assembly/k-quants.entry.ts by scripts/build-wasm.mjs. Float32
// wasm arithmetic rounds every op once and never fuses, so the AssemblyScript, written in ggml's
// operation order, gives ggml's bytes without emulating float32 op by op as JS must.
// The module is instantiated synchronously on first use, once per thread (Node, worker threads
// and web workers; a browser's main thread refuses synchronous compiles of modules over 4 KB).
import { wasmKernels } from '../../wasm/wasm-instance.ts';
import { WASM_BASE64 } from './k-quants.wasm.generated.ts';
import { quantizeRowsInWasm, type WasmRowsFn } from './wasm-rows.ts';

export type WasmKQuantType = 'Q2_K' | 'Q3_K' | 'Q4_K' | 'Q5_K' | 'Q6_K';

interface KQuantsExports {
  quantizeQ2K: WasmRowsFn;
  quantizeQ3K: WasmRowsFn;
  quantizeQ4K: WasmRowsFn;
  quantizeQ5K: WasmRowsFn;
  quantizeQ6K: WasmRowsFn;
}

const KERNELS: Record<WasmKQuantType, { fn: keyof KQuantsExports; blockBytes: number }> = {
  Q2_K: { fn: 'quantizeQ2K', blockBytes: 84 },
  Q3_K: { fn: 'quantizeQ3K', blockBytes: 110 },
  Q4_K: { fn: 'quantizeQ4K', blockBytes: 144 },
  Q5_K: { fn: 'quantizeQ5K', blockBytes: 176 },
  Q6_K: { fn: 'quantizeQ6K', blockBytes: 210 },
};

const kQuants = wasmKernels<KQuantsExports>(WASM_BASE64);

/**
 * Quantizes the rows of `src` (`cols` float32 each, cols a multiple of 256) into `dst` (exactly
 * their bytes), with `imatrix` (one weight per column) or without (null).
 */
export function quantizeKRowsWasm(type: WasmKQuantType, src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  const k = kQuants();
  const { fn, blockBytes } = KERNELS[type];
  quantizeRowsInWasm(k, k.exports[fn], { name: type, blockValues: 256, blockBytes }, src, cols, imatrix, dst);
}
