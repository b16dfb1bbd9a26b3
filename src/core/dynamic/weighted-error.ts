// The cheap sensitivity: how far a type moves a tensor's weights, each column weighted by its
// importance (the imatrix: mean x² of the inputs that column multiplies), relative to the
// weights' own weighted energy. Σ_j imp_j (w - ŵ)² is the expected squared change of the
// tensor's output on calibration-like inputs (inputs taken as uncorrelated).
import type { GgmlTypeName } from '../ggml-type.ts';
import { dequantizeRowsCpu } from '../quant/dequantize.ts';
import { matrixCount, quantizeTensor, rowsPerMatrix } from '../quant/matrix-importance.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';

/**
 * Rows that stand for the whole tensor (ggml shape `ne`): all, or an even stride of at most
 * maxRows. A tensor of stacked matrices (experts) is sampled matrix by matrix, the same number of
 * rows from each, so that the sample keeps the stacking (and each matrix its importance row).
 */
export function sampleRows(values: Float32Array, ne: readonly number[], maxRows: number): { values: Float32Array; ne: number[] } {
  const cols = ne[0]!;
  const matrices = matrixCount(ne);
  const rows = rowsPerMatrix(ne);
  const keep = Math.min(rows, Math.max(1, Math.floor(maxRows / matrices)));
  if (keep === rows) return { values, ne: [...ne] };
  const out = new Float32Array(matrices * keep * cols);
  for (let m = 0; m < matrices; m++) {
    for (let i = 0; i < keep; i++) {
      const r = m * rows + Math.floor((i * rows) / keep);
      out.set(values.subarray(r * cols, (r + 1) * cols), (m * keep + i) * cols);
    }
  }
  return { values: out, ne: [cols, keep, matrices] };
}

/**
 * Σ imp (w - ŵ)² / Σ imp w² over all rows; importance null = every column weighs 1. For stacked
 * matrices the importance holds a row per matrix (as llama-imatrix collects it per expert).
 */
export function relativeWeightedError(original: Float32Array, restored: Float32Array, ne: readonly number[], importance: Float32Array | null): number {
  const cols = ne[0]!;
  const perMatrix = cols * rowsPerMatrix(ne);
  const perExpertImportance = importance !== null && importance.length > cols;
  let err = 0;
  let energy = 0;
  for (let i = 0; i < original.length; i++) {
    const imp = importance ? importance[perExpertImportance ? Math.floor(i / perMatrix) * cols + (i % cols) : i % cols]! : 1;
    const d = original[i]! - restored[i]!;
    err += imp * d * d;
    energy += imp * original[i]! * original[i]!;
  }
  return energy > 0 ? err / energy : 0;
}

/** The values ggml will compute with after quantizing `values` (shape `ne`) to `type` (with the imatrix, as llama-quantize). */
export async function roundTrip(quantizer: RowQuantizer, type: GgmlTypeName, values: Float32Array, ne: readonly number[], importance: Float32Array | null, tensorName: string): Promise<Float32Array> {
  const bytes = await quantizeTensor(quantizer, type, values, ne, importance, tensorName);
  return dequantizeRowsCpu(type, bytes, ne[0]!);
}
