// A NaN or infinite weight would quantize into garbage silently; stop with its exact place instead.
import type { PlannedTensor } from '../model/plan-types.ts';

/** `values` are whole rows of the tensor starting at `firstRow`. */
export function assertFinite(tensor: PlannedTensor, values: Float32Array, firstRow = 0): void {
  const cols = tensor.ne[0]!;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (v - v !== 0) {
      const i = firstRow * cols + j;
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
      throw new Error(
        `tensor "${tensor.ggufName}" (${tensor.hfName} in ${tensor.source.file}): element ${i} ` +
          `(row ${Math.floor(i / cols)}, column ${i % cols}) is ${what}; refusing to export`,
      );
    }
  }
}
