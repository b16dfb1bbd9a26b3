// The steps IQ1_S and IQ1_M take alike around their (different) split searches: the largest
// magnitude that decides whether a sub-block is empty, the levels of the chosen split, the snap of
// off-grid groups of 8 to their best neighbour, and the scale refit when any group moved. The GPU
// kernels share the same steps in shaders/quant/iq1-common.wgsl. Float32 in ggml's order.
import { bestIq1Neighbour, packIq1Levels } from './iq1-common.ts';
import type { LatticeSearch } from './iq-lattice-search.ts';

const fround = Math.fround;

/** The quant values {-1, 0, 1} ± 1/8 that group g (values 8g..8g+7) of a sub-block uses. */
export type Iq1GroupValues = (group: number) => Float32Array;

/** MAX of |x| over x[xo..xo+n), as ggml writes it. */
export function largestMagnitude(x: Float32Array, xo: number, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(x[xo + i]!);
    max = max > a ? max : a;
  }
  return max;
}

/** L[order[j]] = 0 before sorted position besti1, 1 before besti2, 2 after: the levels of a split. */
export function splitLevels(order: Int32Array, n: number, besti1: number, besti2: number, L: Int8Array): void {
  for (let j = 0; j < n; j++) L[order[j]!] = j < besti1 ? 0 : j < besti2 ? 1 : 2;
}

/**
 * The split search may end on a negative scale; ggml then keeps |scale| and mirrors the levels
 * (0 <-> 2) while the caller flips the delta sign, which leaves every reconstructed value as it was.
 */
export function mirrorIq1Levels(L: Int8Array, n: number): void {
  for (let j = 0; j < n; j++) L[j] = 2 - L[j]!;
}

/**
 * The grid index of every group of 8 levels L[0..n) into index; a group off the grid takes its best
 * neighbour at `scale` (levels rewritten). x[xo..] are the values, weight[0..n) their weights.
 * Returns whether every group was already on the grid.
 */
export function snapIq1Groups(
  search: LatticeSearch, x: Float32Array, xo: number, weight: Float32Array, L: Int8Array, n: number,
  scale: number, values: Iq1GroupValues, index: Int32Array,
): boolean {
  let allOnGrid = true;
  for (let g = 0; g < n / 8; g++) {
    const u = packIq1Levels(L, 8 * g);
    let gridIndex = search.map[u]!;
    if (gridIndex < 0) {
      allOnGrid = false;
      gridIndex = bestIq1Neighbour(search, u, x, xo + 8 * g, weight, 8 * g, scale, values(g), L, 8 * g);
    }
    index[g] = gridIndex;
  }
  return allOnGrid;
}

/** After a snap moved levels: the weighted least-squares scale of the new levels, or `scale` when it is not positive. */
export function refitIq1Scale(
  x: Float32Array, xo: number, weight: Float32Array, L: Int8Array, n: number, values: Iq1GroupValues, scale: number,
): number {
  let sumqx = 0;
  let sumq2 = 0;
  for (let j = 0; j < n; j++) {
    const w = weight[j]!;
    const q = values(j >> 3)[L[j]!]!;
    sumqx = fround(sumqx + fround(fround(w * q) * x[xo + j]!));
    sumq2 = fround(sumq2 + fround(fround(w * q) * q));
  }
  return sumqx > 0 && sumq2 > 0 ? fround(sumqx / sumq2) : scale;
}
