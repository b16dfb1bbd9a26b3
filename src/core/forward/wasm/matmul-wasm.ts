// The CPU forward's matrix product in WebAssembly SIMD (assembly/matmul.entry.ts): about seven
// times the plain JavaScript loop. The weight matrix goes through linear memory in slices of
// outputs, so the module's memory stays at x, one slice and its outputs however large the matrix
// (a 151936-row output head included). Where a host lends threads (useMatmulThreads: the command
// line's parallel-matmul.node.ts), a large product's outputs are shared among them.
import { wasmKernels } from '../../wasm/wasm-instance.ts';
import { WASM_BASE64 } from './matmul.wasm.generated.ts';

type Kernel = (xPtr: number, rows: number, cols: number, wPtr: number, outCols: number, yPtr: number, ldy: number) => void;

interface MatmulExports {
  matmul: Kernel;
  matmulF32: Kernel;
}

/**
 * How the products are summed: 'double' (the reference: tracks llama.cpp's numbers) or 'float'
 * (four float lanes, about twice as fast: for comparisons between forwards computed alike).
 */
export type MatmulSums = 'double' | 'float';

/**
 * Threads that compute y = x · Wᵀ together, each a range of W's rows. Every output is one dot
 * product summed in the same order whichever thread computes it, so the result is bit-identical
 * to matmulRangeInto on one thread.
 */
export interface MatmulThreads {
  /** Products below this many multiply-adds stay on the calling thread. */
  readonly minMultiplyAdds: number;
  /** Writes y (rows × outCols) for x (rows × cols) and W (outCols × cols). */
  multiplyInto(x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number, sums: MatmulSums, y: Float32Array): void;
}

let threads: MatmulThreads | null = null;

/** Lends threads to every later product on this thread (null: none); returns the ones it replaces. */
export function useMatmulThreads(lent: MatmulThreads | null): MatmulThreads | null {
  const previous = threads;
  threads = lent;
  return previous;
}

const kernels = wasmKernels<MatmulExports>(WASM_BASE64);

/** Bytes of W per slice: big enough that copying it is negligible next to the products. */
const SLICE_BYTES = 8 << 20;

/**
 * y[r·ldy + yOffset + j] = x_r · W_j for the n rows of w (n × cols), on this thread: the kernel
 * every caller and every lent thread runs.
 */
export function matmulRangeInto(x: Float32Array, rows: number, cols: number, w: Float32Array, n: number, sums: MatmulSums, y: Float32Array, ldy: number, yOffset: number): void {
  if (rows === 0 || n === 0) return;
  const sliceOut = Math.max(1, Math.min(n, Math.floor(SLICE_BYTES / (cols * 4))));
  const xBytes = rows * cols * 4;
  const wBytes = sliceOut * cols * 4;
  const yBytes = rows * sliceOut * 4;
  const k = kernels();
  const kernel = sums === 'float' ? k.exports.matmulF32 : k.exports.matmul;
  const buffer = k.reserve(xBytes + wBytes + yBytes);
  const xPtr = k.base;
  const wPtr = xPtr + xBytes;
  const yPtr = wPtr + wBytes;
  new Float32Array(buffer, xPtr, rows * cols).set(x.subarray(0, rows * cols));
  const wView = new Float32Array(buffer, wPtr, sliceOut * cols);
  const yView = new Float32Array(buffer, yPtr, rows * sliceOut);
  for (let o0 = 0; o0 < n; o0 += sliceOut) {
    const m = Math.min(sliceOut, n - o0);
    wView.set(w.subarray(o0 * cols, (o0 + m) * cols));
    kernel(xPtr, rows, cols, wPtr, m, yPtr, m);
    for (let r = 0; r < rows; r++) y.set(yView.subarray(r * m, r * m + m), r * ldy + yOffset + o0);
  }
}

/** y = x · Wᵀ (+ bias) for x of rows × cols and W of outCols × cols; y is rows × outCols. */
export function matmulWasm(x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number, bias?: Float32Array, sums: MatmulSums = 'double'): Float32Array {
  const y = new Float32Array(rows * outCols);
  if (threads && rows * cols * outCols >= threads.minMultiplyAdds) threads.multiplyInto(x, rows, cols, w, outCols, sums, y);
  else matmulRangeInto(x, rows, cols, w, outCols, sums, y, outCols, 0);
  if (bias) {
    for (let r = 0; r < rows; r++) {
      const out = r * outCols;
      for (let j = 0; j < outCols; j++) y[out + j] = Math.fround(y[out + j]! + bias[j]!);
    }
  }
  return y;
}
