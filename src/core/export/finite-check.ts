// A NaN or infinite weight would quantize into garbage silently; stop with its exact place instead.
import type { PlannedTensor } from '../model/plan-types.ts';

export function assertFinite(tensor: PlannedTensor, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v !== 0) {
      const cols = tensor.ne[0]!;
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
      throw new Error(
        `tensor "${tensor.ggufName}" (${tensor.hfName} in ${tensor.source.file}): element ${i} ` +
          `(row ${Math.floor(i / cols)}, column ${i % cols}) is ${what}; refusing to export`,
      );
    }
  }
}
