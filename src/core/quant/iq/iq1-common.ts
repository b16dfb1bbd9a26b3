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

/** Per (coordinate, level) error terms of the group being searched. */
const terms = new Float32Array(8 * 4);

/**
 * For the off-grid point u of the group x[xo..xo+8), returns the grid index minimizing
 * Σ w*(scale*xx[level] - x)² (float32, coordinate order, strict "<" in list order, as ggml) and
 * writes its levels to L[lo..lo+8). The terms depend only on (coordinate, level) and are never
 * negative, so they are computed once and a candidate stops once its partial sum reaches the best.
 */
export function bestIq1Neighbour(
  search: LatticeSearch, u: number,
  x: Float32Array, xo: number, weight: Float32Array, wo: number,
  scale: number, xx: Float32Array, L: Int8Array, lo: number,
): number {
  const { indices, levels, slots, usedSlots } = search.neighbours(u);
  // Negative weights (a malformed imatrix) would make partial sums non-monotonic: no pruning then.
  let prune = true;
  for (let s = 0; s < usedSlots.length; s++) {
    const slot = usedSlots[s]!;
    const i = slot >> 2;
    const diff = fround(fround(scale * xx[slot & 3]!) - x[xo + i]!);
    const term = fround(fround(weight[wo + i]! * diff) * diff);
    terms[slot] = term;
    if (!(term >= 0)) prune = false;
  }
  let best = FLT_MAX;
  let bestCandidate = -1;
  for (let c = 0, co = 0; c < indices.length; c++, co += 8) {
    let d2 = 0;
    let i = 0;
    for (; i < 8; i++) {
      d2 = fround(d2 + terms[slots[co + i]!]!);
      if (prune && d2 >= best) break;
    }
    if (i === 8 && d2 < best) {
      best = d2;
      bestCandidate = c;
    }
  }
  if (bestCandidate >= 0) {
    for (let i = 0; i < 8; i++) L[lo + i] = levels[bestCandidate * 8 + i]!;
    return indices[bestCandidate]!;
  }
  // ggml then scans the whole grid, reading x at the grid index (a bug that only matters for
  // non-finite input, when no neighbour has a finite error); reproduced for completeness.
  const grid = search.grid;
  let bestIndex = -1;
  for (let p = 0; p < grid.size; p++) {
    let d2 = 0;
    for (let i = 0; i < 8; i++) {
      const diff = fround(fround(scale * xx[grid.levels[p * 8 + i]!]!) - (x[xo + p] ?? NaN));
      d2 = fround(d2 + fround(fround(weight[wo + i]! * diff) * diff));
    }
    if (d2 < best) {
      best = d2;
      bestIndex = p;
    }
  }
  if (bestIndex < 0) throw new Error('IQ1 grid search: no grid point with a finite error (non-finite input?)');
  for (let i = 0; i < 8; i++) L[lo + i] = grid.levels[bestIndex * 8 + i]!;
  return bestIndex;
}

/** The packed point (2 bits per level) of the levels L[lo..lo+8). */
export function packIq1Levels(L: Int8Array, lo: number): number {
  let u = 0;
  for (let i = 0; i < 8; i++) u |= L[lo + i]! << (2 * i);
  return u;
}
