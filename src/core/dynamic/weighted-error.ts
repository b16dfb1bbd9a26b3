// The cheap sensitivity: how far a type moves a tensor's weights, each column weighted by its
// importance (the imatrix: mean x² of the inputs that column multiplies), relative to the
// weights' own weighted energy. Σ_j imp_j (w - ŵ)² is the expected squared change of the
// tensor's output on calibration-like inputs (inputs taken as uncorrelated).
import type { GgmlTypeName } from '../ggml-type.ts';
import { dequantizeRowsCpu } from '../quant/dequantize.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';

/** Rows of `values` (cols each) that stand for the whole tensor: all, or an even stride of at most maxRows. */
export function sampleRows(values: Float32Array, cols: number, maxRows: number): Float32Array {
  const rows = values.length / cols;
  if (rows <= maxRows) return values;
  const out = new Float32Array(maxRows * cols);
  for (let i = 0; i < maxRows; i++) {
    const r = Math.floor((i * rows) / maxRows);
    out.set(values.subarray(r * cols, (r + 1) * cols), i * cols);
  }
  return out;
}

/** Σ imp (w - ŵ)² / Σ imp w² over all rows; importance null = every column weighs 1. */
export function relativeWeightedError(original: Float32Array, restored: Float32Array, cols: number, importance: Float32Array | null): number {
  let err = 0;
  let energy = 0;
  for (let i = 0; i < original.length; i++) {
    const imp = importance ? importance[i % cols]! : 1;
    const d = original[i]! - restored[i]!;
    err += imp * d * d;
    energy += imp * original[i]! * original[i]!;
  }
  return energy > 0 ? err / energy : 0;
}

/** The values ggml will compute with after quantizing `values` to `type` (with the imatrix, as llama-quantize). */
export async function roundTrip(quantizer: RowQuantizer, type: GgmlTypeName, values: Float32Array, cols: number, importance: Float32Array | null): Promise<Float32Array> {
  const bytes = await quantizer.quantizeRows(type, values, cols, importance);
  return dequantizeRowsCpu(type, bytes, cols);
}
