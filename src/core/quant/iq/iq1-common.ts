// Shared by IQ1_S and IQ1_M: values are quantized to {-1, 0, 1} + delta, delta = ±1/8 per group.
// The levels come from an exhaustive split search over the sorted values; groups of 8 that land off
// the 2048-point grid are snapped to the neighbour with the least weighted squared error
// (ggml's iq1_find_best_neighbour2).
import { FLT_MAX } from './iq-grid-assign.ts';
import type { LatticeSearch } from './iq-lattice-search.ts';

const fround = Math.fround;
export const IQ1_DELTA = 0.125;
/** The three quant values with delta +1/8 (x_p) and -1/8 (x_m), exact in float32. */
export const X_P = Float32Array.of(-1 + IQ1_DELTA, IQ1_DELTA, 1 + IQ1_DELTA);
export const X_M = Float32Array.of(-1 - IQ1_DELTA, -IQ1_DELTA, 1 - IQ1_DELTA);

/**
 * order[0..n) = indices of x[xo..xo+n) by ascending value. ggml uses qsort, which in glibc is a
 * stable merge sort: equal values (and -0 vs 0) keep their index order, as here.
 */
export function sortedOrder(x: Float32Array, xo: number, n: number, order: Int32Array): void {
  for (let j = 0; j < n; j++) {
    const v = x[xo + j]!;
    let p = j;
    while (p > 0 && x[xo + order[p - 1]!]! > v) {
      order[p] = order[p - 1]!;
      p--;
    }
    order[p] = j;
  }
}

/**
 * For the off-grid point u of the group x[xo..xo+8), returns the grid index minimizing
 * Σ w*(scale*xx[level] - x)² and writes its levels to L[lo..lo+8).
 */
export function bestIq1Neighbour(
  search: LatticeSearch, u: number,
  x: Float32Array, xo: number, weight: Float32Array, wo: number,
  scale: number, xx: Float32Array, L: Int8Array, lo: number,
): number {
  const { levels, size } = search.grid;
  const list = search.neighbours(u);
  let best = FLT_MAX;
  let bestIndex = -1;
  for (let j = 0; j < list.length; j++) {
    const p = list[j]!;
    const d2 = groupError(levels, p, x, xo, weight, wo, scale, xx);
    if (d2 < best) {
      best = d2;
      bestIndex = p;
    }
  }
  if (bestIndex < 0) {
    // ggml then scans the whole grid (reading x at the grid index, a bug that only matters for
    // non-finite input); a finite input never gets here.
    for (let p = 0; p < size; p++) {
      let d2 = 0;
      for (let i = 0; i < 8; i++) {
        const diff = fround(fround(scale * xx[levels[p * 8 + i]!]!) - (x[xo + p] ?? NaN));
        d2 = fround(d2 + fround(fround(weight[wo + i]! * diff) * diff));
      }
      if (d2 < best) {
        best = d2;
        bestIndex = p;
      }
    }
  }
  if (bestIndex < 0) throw new Error('IQ1 grid search: no grid point with a finite error (non-finite input?)');
  for (let i = 0; i < 8; i++) L[lo + i] = levels[bestIndex * 8 + i]!;
  return bestIndex;
}

function groupError(
  levels: Uint8Array, p: number, x: Float32Array, xo: number, weight: Float32Array, wo: number,
  scale: number, xx: Float32Array,
): number {
  let d2 = 0;
  for (let i = 0; i < 8; i++) {
    const diff = fround(fround(scale * xx[levels[p * 8 + i]!]!) - x[xo + i]!);
    d2 = fround(d2 + fround(fround(weight[wo + i]! * diff) * diff));
  }
  return d2;
}

/** The packed point (2 bits per level) of the levels L[lo..lo+8). */
export function packIq1Levels(L: Int8Array, lo: number): number {
  let u = 0;
  for (let i = 0; i < 8; i++) u |= L[lo + i]! << (2 * i);
  return u;
}
