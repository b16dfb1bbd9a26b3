// The CPU forward's matrix product in WebAssembly SIMD (assembly/matmul.ts): about seven times the
// plain JavaScript loop. The weight matrix goes through linear memory in slices of outputs, so the
// module's memory stays at x, one slice and its outputs however large the matrix (a 151936-row
// output head included).
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

const kernels = wasmKernels<MatmulExports>(WASM_BASE64);

/** Bytes of W per slice: big enough that copying it is negligible next to the products. */
const SLICE_BYTES = 8 << 20;

/** y = x · Wᵀ (+ bias) for x of rows × cols and W of outCols × cols; y is rows × outCols. */
export function matmulWasm(x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number, bias?: Float32Array, sums: MatmulSums = 'double'): Float32Array {
  const y = new Float32Array(rows * outCols);
  if (rows === 0 || outCols === 0) return y;
  const sliceOut = Math.max(1, Math.min(outCols, Math.floor(SLICE_BYTES / (cols * 4))));
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
  for (let o0 = 0; o0 < outCols; o0 += sliceOut) {
    const n = Math.min(sliceOut, outCols - o0);
    wView.set(w.subarray(o0 * cols, (o0 + n) * cols));
    kernel(xPtr, rows, cols, wPtr, n, yPtr, n);
    for (let r = 0; r < rows; r++) {
      const out = r * outCols + o0;
      y.set(yView.subarray(r * n, r * n + n), out);
      if (bias) for (let j = 0; j < n; j++) y[out + j] = Math.fround(y[out + j]! + bias[o0 + j]!);
    }
  }
  return y;
}
