// Importance weights of tensors that stack matrices (ggml's ne[2]: a MoE layer's experts). An
// imatrix entry for such a tensor holds one row of ne[0] weights per matrix, as llama-imatrix
// collects it per expert; llama-quantize quantizes each matrix's rows with its own row and
// refuses an entry of any other size. A 2-D tensor is the case of one matrix.
import { concatBytes } from '../concat-bytes.ts';
import type { GgmlTypeName } from '../ggml-type.ts';
import type { RowQuantizer } from './row-quantizer.ts';

/** Matrices stacked in a tensor of shape `ne` (ne[2]; 1 for a 2-D tensor). */
export function matrixCount(ne: readonly number[]): number {
  return ne.slice(2).reduce((a, b) => a * b, 1);
}

/** Rows of each stacked matrix (ne[1]): a chunk of rows within one matrix shares its weights. */
export function rowsPerMatrix(ne: readonly number[]): number {
  return ne[1] ?? 1;
}

/**
 * The weights for rows starting at `firstRow` (all within one matrix), or null without an imatrix.
 * Throws, naming the tensor, when the entry is not one row of ne[0] per matrix.
 */
export function importanceForRows(imatrix: Float32Array | null, ne: readonly number[], firstRow: number, tensorName: string): Float32Array | null {
  if (!imatrix) return null;
  const cols = ne[0]!;
  const matrices = matrixCount(ne);
  if (imatrix.length !== cols * matrices) {
    throw new Error(`imatrix for "${tensorName}" has ${imatrix.length} values; the tensor has ${cols} columns${matrices > 1 ? ` in each of ${matrices} experts (${cols * matrices} values)` : ''}`);
  }
  if (matrices === 1) return imatrix;
  const m = Math.floor(firstRow / rowsPerMatrix(ne));
  return imatrix.subarray(m * cols, (m + 1) * cols);
}

/** A whole tensor (float32, ggml layout) quantized matrix by matrix, each with its importance row. */
export async function quantizeTensor(quantizer: RowQuantizer, type: GgmlTypeName, values: Float32Array, ne: readonly number[], imatrix: Float32Array | null, tensorName: string): Promise<Uint8Array> {
  const cols = ne[0]!;
  const matrices = matrixCount(ne);
  if (matrices === 1) return quantizer.quantizeRows(type, values, cols, importanceForRows(imatrix, ne, 0, tensorName));
  const perMatrix = rowsPerMatrix(ne) * cols;
  const parts: Uint8Array[] = [];
  for (let m = 0; m < matrices; m++) {
    parts.push(await quantizer.quantizeRows(type, values.subarray(m * perMatrix, (m + 1) * perMatrix), cols, importanceForRows(imatrix, ne, m * rowsPerMatrix(ne), tensorName)));
  }
  return concatBytes(parts);
}
