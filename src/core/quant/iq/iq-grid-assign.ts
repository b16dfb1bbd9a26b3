// The step the IQ2_* and IQ3_* quantizers repeat for every trial scale: round each group of `dim`
// magnitudes to lattice levels, and where that point is not on the grid, replace it by the
// neighbour with the least weighted squared error at the trial scale (iq2/iq3_find_best_neighbour).
// Float32 arithmetic in ggml's order throughout.
import { nearestInt } from '../nearest-int.ts';
import type { LatticeSearch } from './iq-lattice-search.ts';

const fround = Math.fround;
/** FLT_MAX, ggml's starting "best" distance. */
export const FLT_MAX = 3.4028234663852886e38;

/** Per (coordinate, level) error terms of the group being searched; 8 coordinates x 8 levels at most. */
const terms = new Float32Array(64);

/**
 * Picks the neighbour of off-grid point u closest to xval[xo..xo+dim) at `scale` (weights
 * waux[xo..]), writes its levels to L[xo..] and returns its grid index.
 *
 * ggml's error is the float32 sum, in coordinate order, of w*(scale*(2l+1) - x)² terms. The terms
 * depend only on (coordinate, level), so each one the candidates use is computed once per call.
 * The partial sums never decrease (the terms are >= 0), so a candidate is dropped as soon as its
 * partial sum reaches the best error: it could not have won ggml's strict "<" comparison.
 */
export function bestGridNeighbour(
  search: LatticeSearch, u: number,
  xval: Float32Array, waux: Float32Array, xo: number,
  scale: number, L: Int8Array,
): number {
  const { dim, bits } = search.grid;
  const { indices, levels, slots, usedSlots } = search.neighbours(u);
  const levelMask = (1 << bits) - 1;
  // Negative weights (a malformed imatrix) would make partial sums non-monotonic: no pruning then.
  let prune = true;
  for (let s = 0; s < usedSlots.length; s++) {
    const slot = usedSlots[s]!;
    const i = slot >> bits;
    const diff = fround(fround(scale * (2 * (slot & levelMask) + 1)) - xval[xo + i]!);
    const term = fround(fround(waux[xo + i]! * diff) * diff);
    terms[slot] = term;
    if (!(term >= 0)) prune = false;
  }
  let best = FLT_MAX;
  let bestCandidate = -1;
  for (let c = 0, co = 0; c < indices.length; c++, co += dim) {
    let d2 = 0;
    let i = 0;
    for (; i < dim; i++) {
      d2 = fround(d2 + terms[slots[co + i]!]!);
      if (prune && d2 >= best) break;
    }
    if (i === dim && d2 < best) {
      best = d2;
      bestCandidate = c;
    }
  }
  if (bestCandidate < 0) {
    throw new Error(`i-quant grid search (${search.grid.name}): no neighbour with a finite error (non-finite input?)`);
  }
  for (let i = 0; i < dim; i++) L[xo + i] = levels[bestCandidate * dim + i]!;
  return indices[bestCandidate]!;
}

/**
 * Quantizes the groups of xval[0..n) whose bit is set in `groups` at inverse scale `id`
 * (levels nearest_int(0.5*(id*x - 1)) clamped to 0..maxLevel), snapping off-grid groups to their
 * best neighbour at `scale`. Writes levels to L and grid indices to index; returns the mask of
 * processed groups that were already on the grid.
 */
export function assignGridPoints(
  search: LatticeSearch, maxLevel: number,
  xval: Float32Array, waux: Float32Array, n: number, groups: number,
  id: number, scale: number, L: Int8Array, index: Int32Array,
): number {
  const { dim, bits } = search.grid;
  const map = search.map;
  let onGrid = 0;
  for (let k = 0, xo = 0; xo < n; k++, xo += dim) {
    if ((groups & (1 << k)) === 0) continue;
    let u = 0;
    for (let i = 0; i < dim; i++) {
      let l = nearestInt(fround(0.5 * fround(fround(id * xval[xo + i]!) - 1)));
      l = l < 0 ? 0 : l > maxLevel ? maxLevel : l;
      L[xo + i] = l;
      u |= l << (bits * i);
    }
    const gridIndex = map[u]!;
    if (gridIndex >= 0) {
      onGrid |= 1 << k;
      index[k] = gridIndex;
    } else {
      index[k] = bestGridNeighbour(search, u, xval, waux, xo, scale, L);
    }
  }
  return onGrid;
}

/** Σ w*x*q and Σ w*q*q with q = 2L+1, in ggml's order; results in out[0], out[1]. */
export function levelSums(
  weight: Float32Array, xval: Float32Array, L: Int8Array, n: number, out: Float32Array,
): void {
  let sumqx = 0;
  let sumq2 = 0;
  for (let i = 0; i < n; i++) {
    const w = weight[i]!;
    const q = 2 * L[i]! + 1;
    sumqx = fround(sumqx + fround(fround(w * xval[i]!) * q));
    sumq2 = fround(sumq2 + fround(fround(w * q) * q));
  }
  out[0] = sumqx;
  out[1] = sumq2;
}

/** The grid index of the point whose levels are L[xo..xo+dim); throws if it is not on the grid. */
export function gridIndexOf(search: LatticeSearch, L: Int8Array, xo: number): number {
  const { dim, bits } = search.grid;
  let u = 0;
  for (let i = 0; i < dim; i++) u |= L[xo + i]! << (bits * i);
  const gridIndex = search.map[u]!;
  if (gridIndex < 0) throw new Error(`i-quant (${search.grid.name}): point ${u} is not on the grid`);
  return gridIndex;
}
