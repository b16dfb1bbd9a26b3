// The steps IQ1_S and IQ1_M take alike around their (different) split searches: the values are
// quantized to {-1, 0, 1} + delta with delta = ±1/8 per group, the levels come from an exhaustive
// search over the sorted values, and groups of 8 that land off the 2048-point grid snap to the
// neighbour with the least weighted squared error (ggml's iq1_find_best_neighbour2); the scale is
// refit when any group moved. Float32 in ggml's order.
import { FLT_MAX, bestNeighbour, fillTerms, storePointLevels } from './iq-neighbour';
import { IQ1S_GRID, gridMap, gridSlots } from './iq-lattice';
import { INDEX, LEVELS, WEIGHT } from './iq-scratch';

/** x_p (delta +1/8) and x_m (delta -1/8): the three quant values, exact in float32. */
export const X_P: usize = memory.data<f32>([-0.875, 0.125, 1.125]);
export const X_M: usize = memory.data<f32>([-1.125, -0.125, 0.875]);

/** Indices of one sub-block's values by ascending value. */
export const ORDER: usize = memory.data(32 * 4, 16);

/** MAX of |x| over x[0..n), as ggml writes it. */
export function largestMagnitude(x: usize, n: i32): f32 {
  let max: f32 = 0;
  for (let i = 0; i < n; i++) {
    const a = Mathf.abs(load<f32>(x + (<usize>i << 2)));
    max = max > a ? max : a;
  }
  return max;
}

/**
 * ORDER[0..n) = the indices of x[0..n) by ascending value. ggml uses glibc's qsort, a stable merge
 * sort here: equal values (and -0 vs 0) keep their index order, as in this insertion sort.
 */
export function sortOrder(x: usize, n: i32): void {
  for (let j = 0; j < n; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    let p = j;
    while (p > 0) {
      const prev = load<i32>(ORDER + (<usize>(p - 1) << 2));
      if (!(load<f32>(x + (<usize>prev << 2)) > v)) break;
      store<i32>(ORDER + (<usize>p << 2), prev);
      p--;
    }
    store<i32>(ORDER + (<usize>p << 2), j);
  }
}

/** LEVELS[ORDER[j]] = 0 before sorted position i1, 1 before i2, 2 after: the levels of a split. */
export function splitLevels(n: i32, i1: i32, i2: i32): void {
  for (let j = 0; j < n; j++) {
    store<i32>(LEVELS + (<usize>load<i32>(ORDER + (<usize>j << 2)) << 2), j < i1 ? 0 : j < i2 ? 1 : 2);
  }
}

/**
 * The split search may end on a negative scale; ggml then keeps |scale| and mirrors the levels
 * (0 <-> 2) while the caller flips the delta sign, which leaves every value as it was.
 */
export function mirrorLevels(n: i32): void {
  for (let j = 0; j < n; j++) {
    const at = LEVELS + (<usize>j << 2);
    store<i32>(at, 2 - load<i32>(at));
  }
}

/**
 * The grid index of every group of 8 of LEVELS[0..n) into INDEX; a group off the grid takes its
 * best neighbour at `scale` (levels rewritten), group g quantized to the values at xx(g) (values0
 * for the first group of 8, values1 for the second). Returns whether every group was on the grid.
 */
export function snapGroups(x: usize, n: i32, scale: f32, values0: usize, values1: usize): bool {
  const map = gridMap(IQ1S_GRID);
  let allOnGrid = true;
  for (let g = 0; g < n / 8; g++) {
    const L = LEVELS + (<usize>g << 5);
    let u = 0;
    for (let i = 0; i < 8; i++) u |= load<i32>(L + (<usize>i << 2)) << (2 * i);
    let index = load<i32>(map + (<usize>u << 2));
    if (index < 0) {
      allOnGrid = false;
      const xg = x + (<usize>g << 5);
      const wg = WEIGHT + (<usize>g << 5);
      const values = g == 0 ? values0 : values1;
      fillTerms(8, xg, wg, scale, load<f32>(values), 1, 4);
      index = bestNeighbour(IQ1S_GRID, 8, u);
      if (index < 0) index = wholeGridFallback(xg, wg, scale, values);
      storePointLevels(IQ1S_GRID, 8, index, L);
    }
    store<i32>(INDEX + (<usize>g << 2), index);
  }
  return allOnGrid;
}

/**
 * ggml's fallback when no neighbour has a finite error (non-finite or huge input): a scan of the
 * whole grid that reads x at the grid index instead of the coordinate (a bug in ggml, reproduced;
 * reads past the memory's end give NaN). Aborts as ggml does when that finds nothing either.
 */
function wholeGridFallback(x: usize, w: usize, scale: f32, values: usize): i32 {
  const slots = gridSlots(IQ1S_GRID);
  const end = <usize>memory.size() << 16;
  let best = FLT_MAX;
  let bestIndex = -1;
  for (let p = 0; p < 2048; p++) {
    const s = load<u64>(slots + (<usize>p << 3));
    const at = x + (<usize>p << 2);
    const xp = at + 4 <= end ? load<f32>(at) : NaN;
    let d2: f32 = 0;
    for (let i = 0; i < 8; i++) {
      const level = <i32>((s >> (8 * i)) & 0xff) >> 5;
      const diff = scale * load<f32>(values + (<usize>level << 2)) - xp;
      d2 += load<f32>(w + (<usize>i << 2)) * diff * diff;
    }
    if (d2 < best) {
      best = d2;
      bestIndex = p;
    }
  }
  if (bestIndex < 0) unreachable();
  return bestIndex;
}

/** After a snap moved levels: the weighted least-squares scale of the new levels, or `scale` when not positive. */
export function refitScale(x: usize, n: i32, values0: usize, values1: usize, scale: f32): f32 {
  let sumqx: f32 = 0;
  let sumq2: f32 = 0;
  for (let j = 0; j < n; j++) {
    const at = <usize>j << 2;
    const w = load<f32>(WEIGHT + at);
    const q = load<f32>((j < 8 ? values0 : values1) + (<usize>load<i32>(LEVELS + at) << 2));
    sumqx += w * q * load<f32>(x + at);
    sumq2 += w * q * q;
  }
  return sumqx > 0 && sumq2 > 0 ? sumqx / sumq2 : scale;
}
