// The heatmap's measurement layers: per tensor, the number a cell is coloured by when the user
// picks "sensitivity", "quantization error" or "predicted KL". All three span decades, so they
// share the activation-energy layer's log-scaled ramp.
import { bitsPerWeight } from '../core/ggml-type.ts';
import { standInCandidate } from '../core/dynamic/predict.ts';
import type { SensitivityTable, TensorSensitivity } from '../core/dynamic/sensitivity-types.ts';
import type { TensorTypes } from '../core/model/plan-types.ts';

export type MeasurementLayer = 'sensitivity' | 'error' | 'kld';

export const LAYER_CAPTIONS: Record<MeasurementLayer, string> = {
  sensitivity: 'KL divergence with only this tensor at ~4.5 bits (log scale)',
  error: 'imatrix-weighted relative error at the chosen type (log scale)',
  kld: 'predicted KL contribution at the chosen type (log scale)',
};

/** Sensitivity compares tensors at one bit width: the candidate nearest 4.5 bits per weight. */
export function referenceCandidate(t: TensorSensitivity) {
  return [...t.candidates].sort((a, b) => Math.abs(bitsPerWeight(a.type) - 4.5) - Math.abs(bitsPerWeight(b.type) - 4.5))[0] ?? null;
}

export function layerValues(table: SensitivityTable, types: TensorTypes | null, layer: MeasurementLayer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of table.tensors) {
    if (layer === 'sensitivity') {
      const ref = referenceCandidate(t);
      if (ref) out[t.name] = ref.kld;
      continue;
    }
    const type = types?.get(t.name);
    if (!type) continue;
    const c = standInCandidate(t, type);
    // A type above every candidate costs nothing measurable: 0 sits at the ramp's low end.
    out[t.name] = c ? (layer === 'error' ? c.weightedError : c.kld) : 0;
  }
  return out;
}
