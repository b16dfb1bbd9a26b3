// Rows through a WebAssembly quantizer module (k-quants-wasm.ts, i-quants-wasm.ts): the rows go
// through the module's memory in batches of about BATCH_BYTES of float32 input, so one call per
// batch keeps the per-call cost negligible and the memory small. Every exported row function has
// the signature (src, dst, rows, blocksPerRow, qw): block b of a row reads the importance weights
// of its columns at qw (0 for none).
import type { WasmKernels } from '../../wasm/wasm-instance.ts';

export type WasmRowsFn = (src: number, dst: number, rows: number, blocksPerRow: number, qw: number) => void;

/** One type's row function and block shape. */
export interface WasmRowsKernel {
  readonly name: string;
  readonly blockValues: number;
  readonly blockBytes: number;
}

const BATCH_BYTES = 1 << 20;

const align16 = (n: number): number => (n + 15) & ~15;

/**
 * Quantizes the rows of `src` (`cols` float32 each, cols a multiple of the block) into `dst`
 * (exactly their bytes) with `fn`, with `imatrix` (one weight per column) or without (null).
 */
export function quantizeRowsInWasm(
  k: WasmKernels<unknown>, fn: WasmRowsFn, kernel: WasmRowsKernel,
  src: Float32Array, cols: number, imatrix: Float32Array | null, dst: Uint8Array,
): void {
  const perRow = cols / kernel.blockValues;
  const rows = src.length / cols;
  const rowBytes = perRow * kernel.blockBytes;
  const batchRows = Math.min(rows, Math.max(1, Math.floor(BATCH_BYTES / (cols * 4))));
  // Layout above the module's static data: the importance weights, the source rows, the blocks.
  const qw = k.base;
  const input = align16(qw + (imatrix ? cols * 4 : 0));
  const output = align16(input + batchRows * cols * 4);
  const heap = k.reserve(output + batchRows * rowBytes - qw);
  const heapF32 = new Float32Array(heap);
  const heapU8 = new Uint8Array(heap);
  if (imatrix) heapF32.set(imatrix, qw >> 2);
  for (let r = 0; r < rows; r += batchRows) {
    const n = Math.min(batchRows, rows - r);
    heapF32.set(src.subarray(r * cols, (r + n) * cols), input >> 2);
    try {
      fn(input, output, n, perRow, imatrix ? qw : 0);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      // The module traps where ggml aborts (GGML_ASSERT): rows for which no grid point has a
      // finite error, which only non-finite or overflowing values produce.
      throw new Error(`${kernel.name}: ggml aborts on rows ${r}..${r + n - 1} (no grid point fits them: non-finite or overflowing values?): ${e.message}`);
    }
    dst.set(heapU8.subarray(output, output + n * rowBytes), r * rowBytes);
  }
}
