// The K-quant row quantizers (Q2_K..Q6_K, ggml's _ref path without an imatrix, _impl with one)
// in WebAssembly, compiled from ./assembly/ by scripts/build-wasm.mjs. Float32 wasm arithmetic
// rounds every op once and never fuses, so the AssemblyScript, written in ggml's operation
// order, gives ggml's bytes without emulating float32 op by op as JS must.
// The module is instantiated synchronously on first use, once per thread (Node, worker threads
// and web workers; a browser's main thread refuses synchronous compiles of modules over 4 KB).
// Rows go through its memory in batches of about BATCH_BYTES of float32 input: one call per
// batch keeps the per-call cost negligible and the memory small.
import { wasmKernels } from '../../wasm/wasm-instance.ts';
import { WASM_BASE64 } from './k-quants.wasm.generated.ts';

export type WasmKQuantType = 'Q2_K' | 'Q3_K' | 'Q4_K' | 'Q5_K' | 'Q6_K';

type RowsFn = (src: number, dst: number, rows: number, blocksPerRow: number, qw: number) => void;

interface KQuantsExports {
  quantizeQ2K: RowsFn;
  quantizeQ3K: RowsFn;
  quantizeQ4K: RowsFn;
  quantizeQ5K: RowsFn;
  quantizeQ6K: RowsFn;
}

const QK_K = 256;
const BATCH_BYTES = 1 << 20;

const KERNELS: Record<WasmKQuantType, { fn: keyof KQuantsExports; blockBytes: number }> = {
  Q2_K: { fn: 'quantizeQ2K', blockBytes: 84 },
  Q3_K: { fn: 'quantizeQ3K', blockBytes: 110 },
  Q4_K: { fn: 'quantizeQ4K', blockBytes: 144 },
  Q5_K: { fn: 'quantizeQ5K', blockBytes: 176 },
  Q6_K: { fn: 'quantizeQ6K', blockBytes: 210 },
};

const kQuants = wasmKernels<KQuantsExports>(WASM_BASE64);

const align16 = (n: number): number => (n + 15) & ~15;

/**
 * Quantizes the rows of `src` (`cols` float32 each, cols a multiple of 256) into `dst` (exactly
 * their bytes), with `imatrix` (one weight per column) or without (null).
 */
export function quantizeKRowsWasm(type: WasmKQuantType, src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array): void {
  const k = kQuants();
  const { fn, blockBytes } = KERNELS[type];
  const perRow = cols / QK_K;
  const rows = src.length / cols;
  const rowBytes = perRow * blockBytes;
  const batchRows = Math.min(rows, Math.max(1, Math.floor(BATCH_BYTES / (cols * 4))));
  // Layout above the module's static data: the importance weights, the source rows, the blocks.
  const qw = k.base;
  const input = align16(qw + (imatrix ? cols * 4 : 0));
  const output = align16(input + batchRows * cols * 4);
  const heap = k.reserve(output + batchRows * rowBytes - qw);
  const heapF32 = new Float32Array(heap);
  const heapU8 = new Uint8Array(heap);
  if (imatrix) heapF32.set(imatrix, qw >> 2);
  const quantize = k.exports[fn];
  for (let r = 0; r < rows; r += batchRows) {
    const n = Math.min(batchRows, rows - r);
    heapF32.set(src.subarray(r * cols, (r + n) * cols), input >> 2);
    quantize(input, output, n, perRow, imatrix ? qw : 0);
    dst.set(heapU8.subarray(output, output + n * rowBytes), r * rowBytes);
  }
}
