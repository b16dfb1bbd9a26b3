// What the heatmap's "activation energy" layer shows: per imatrix entry, the mean over its
// columns of the imatrix values (each the mean of x² over the calibration tokens).

export function meanActivationEnergy(entries: ReadonlyMap<string, Float32Array>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, values] of entries) {
    let sum = 0;
    for (const v of values) sum += v;
    out[name] = values.length > 0 ? sum / values.length : 0;
  }
  return out;
}
