// The sub-block scale search of IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS and IQ3_S: try inverse scales
// (2*kMaxQ-1 + is*step)/denom for is in [-range, range], snap every group of `dim` magnitudes to the
// grid at each (off-grid groups to their best neighbour), keep the levels with the best weighted
// fit sumqx²/sumq2, then re-snap at the fitted scale and refit. Float32 in ggml's order; the
// per-element products four lanes at a time, the sums sequential.
import { addLanes, clamp4, nearestInt4 } from './lanes';
import { bestNeighbour, fillTerms, storePointLevels } from './iq-neighbour';
import { gridMap } from './iq-lattice';
import { INDEX, LEVELS, TRIAL, WAUX, WEIGHT, XVAL } from './iq-scratch';

/** Which groups the last pass re-snaps. */
export const REFINE_ALWAYS_ALL = 0; // every group, always (IQ2_XXS)
export const REFINE_ALL = 1; // every group when any was off the grid (IQ3_S)
export const REFINE_OFF_GRID = 2; // the groups that were off the grid

/**
 * Quantizes the groups of XVAL[0..n) whose bit is set in `groups` at inverse scale id: levels
 * nearest_int(0.5*(id*x - 1)) clamped to 0..maxLevel into L (int32), off-grid groups replaced by
 * their best neighbour at `scale` (weights WAUX). Returns the mask of the processed groups that
 * were on the grid.
 */
function assignGridPoints(g: i32, dim: i32, maxLevel: i32, n: i32, groups: i32, id: f32, scale: f32, L: usize): i32 {
  const map = gridMap(g);
  const bits = dim == 8 ? 2 : 3;
  const idv = f32x4.splat(id);
  const one = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  const lo = i32x4.splat(0);
  const hi = i32x4.splat(maxLevel);
  // Weights of the packed point's coordinates: 4^k or 8^k.
  const w0 = dim == 8 ? i32x4(1, 4, 16, 64) : i32x4(1, 8, 64, 512);
  const w1 = i32x4(256, 1024, 4096, 16384);
  let onGrid = 0;
  for (let k = 0, xo = 0; xo < n; k++, xo += dim) {
    if ((groups & (1 << k)) == 0) continue;
    const at = <usize>xo << 2;
    const l0 = clamp4(nearestInt4(f32x4.mul(half, f32x4.sub(f32x4.mul(idv, v128.load(XVAL + at)), one))), lo, hi);
    v128.store(L + at, l0);
    let packed = i32x4.mul(l0, w0);
    if (dim == 8) {
      const l1 = clamp4(nearestInt4(f32x4.mul(half, f32x4.sub(f32x4.mul(idv, v128.load(XVAL + at, 16)), one))), lo, hi);
      v128.store(L + at, l1, 16);
      packed = i32x4.add(packed, i32x4.mul(l1, w1));
    }
    const u = i32x4.extract_lane(packed, 0) + i32x4.extract_lane(packed, 1) + i32x4.extract_lane(packed, 2) + i32x4.extract_lane(packed, 3);
    if (load<i32>(map + (<usize>u << 2)) >= 0) {
      onGrid |= 1 << k;
    } else {
      fillTerms(dim, XVAL + at, WAUX + at, scale, 1, 2, 32 / dim);
      const index = bestNeighbour(g, dim, u);
      if (index < 0) unreachable(); // ggml asserts: no neighbour with a finite error (non-finite input)
      storePointLevels(g, dim, index, L + at);
    }
  }
  return onGrid;
}

/** Σ w*x*q and Σ w*q*q with q = 2L+1 over n values, in ggml's order: sumqx returned, sumq2 in levelSumQ2. */
let levelSumQ2: f32 = 0;
function levelSums(n: i32, L: usize): f32 {
  let sumqx: f32 = 0;
  let sumq2: f32 = 0;
  const one = f32x4.splat(1);
  const two = f32x4.splat(2);
  for (let i = 0; i < n; i += 4) {
    const at = <usize>i << 2;
    const w = v128.load(WEIGHT + at);
    const q = f32x4.add(f32x4.mul(two, f32x4.convert_i32x4_s(v128.load(L + at))), one);
    sumqx = addLanes(sumqx, f32x4.mul(f32x4.mul(w, v128.load(XVAL + at)), q));
    sumq2 = addLanes(sumq2, f32x4.mul(f32x4.mul(w, q), q));
  }
  levelSumQ2 = sumq2;
  return sumqx;
}

/**
 * Runs the search over the prepared sub-block (XVAL, WEIGHT, WAUX) from `startScale`, with inverse
 * scales (2*maxLevel+1 + is*step)/denom. Leaves the levels in LEVELS and the grid index of each
 * group in INDEX, and returns the scale (which may be negative, as in ggml).
 */
export function searchSubBlockScale(
  g: i32, dim: i32, n: i32, maxLevel: i32, range: i32, step: f32, refine: i32,
  denom: f32, startScale: f32, startOnGrid: bool,
): f32 {
  const groups = n / dim;
  const all = (1 << groups) - 1;
  const base = <f32>(maxLevel * 2 + 1);
  let best: f32 = 0;
  let scale = startScale;
  let onGrid = startOnGrid ? all : 0;
  memory.fill(LEVELS, 0, <usize>n << 2);
  for (let is = -range; is <= range; is++) {
    const id = (base + <f32>is * step) / denom;
    const thisScale = <f32>1 / id;
    const onGridTrial = assignGridPoints(g, dim, maxLevel, n, all, id, thisScale, TRIAL);
    const sumqx = levelSums(n, TRIAL);
    const sumq2 = levelSumQ2;
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      memory.copy(LEVELS, TRIAL, <usize>n << 2);
      onGrid = onGridTrial;
    }
  }
  const again = refine == REFINE_ALWAYS_ALL ? all : onGrid == all ? 0 : refine == REFINE_ALL ? all : all & ~onGrid;
  if (again != 0 && scale > 0) {
    assignGridPoints(g, dim, maxLevel, n, again, <f32>1 / scale, scale, LEVELS);
    const sumqx = levelSums(n, LEVELS);
    if (levelSumQ2 > 0) scale = sumqx / levelSumQ2;
  }
  storeGridIndices(g, dim, n);
  return scale;
}

/**
 * INDEX[k] = the grid index of group k of LEVELS. Every group is on the grid (LEVELS stays 0 when
 * no step fitted, and point 0 is on every grid); ggml aborts otherwise, and so does this.
 */
function storeGridIndices(g: i32, dim: i32, n: i32): void {
  const map = gridMap(g);
  const bits = dim == 8 ? 2 : 3;
  for (let k = 0, xo = 0; xo < n; k++, xo += dim) {
    let u = 0;
    for (let i = 0; i < dim; i++) u |= load<i32>(LEVELS + (<usize>(xo + i) << 2)) << (bits * i);
    const index = load<i32>(map + (<usize>u << 2));
    if (index < 0) unreachable();
    store<i32>(INDEX + (<usize>k << 2), index);
  }
}
