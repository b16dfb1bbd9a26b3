// Quantization throughput per type: MB of float32 input per second, CPU reference and WebGPU.
import type { GgmlTypeName } from '../src/core/ggml-type.ts';
import type { RowQuantizer } from '../src/core/quant/row-quantizer.ts';

export function gaussianMatrix(rows: number, cols: number, seed = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  let x = seed >>> 0 || 1;
  const uniform = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return (x + 0.5) / 4294967296;
  };
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(t) * 0.02;
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t) * 0.02;
  }
  return out;
}

export interface ThroughputResult {
  type: GgmlTypeName;
  imatrix: boolean;
  mbPerSecond: number;
  seconds: number;
  rows: number;
}

/** Times one quantizeRows call over `rows` rows (after a small warm-up that compiles kernels). */
export async function measureThroughput(
  quantizer: RowQuantizer,
  type: GgmlTypeName,
  src: Float32Array,
  cols: number,
  imatrix: Float32Array | null,
  rows = src.length / cols,
): Promise<ThroughputResult> {
  await quantizer.quantizeRows(type, src.subarray(0, cols * 8), cols, imatrix);
  const input = src.subarray(0, rows * cols);
  const started = performance.now();
  await quantizer.quantizeRows(type, input, cols, imatrix);
  const seconds = (performance.now() - started) / 1000;
  return { type, imatrix: imatrix !== null, mbPerSecond: (input.byteLength / 1e6) / seconds, seconds, rows };
}
