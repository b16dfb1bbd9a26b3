// The sub-block scale search shared by IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS and IQ3_S: try inverse
// scales (base + is*step)/denom for is in [-range, range], snap every group to the grid at each,
// keep the levels with the best weighted fit (sumqx²/sumq2), then re-snap at the fitted scale and
// refit. The variants differ only in the parameters and in which groups the last pass re-snaps.
import { assignGridPoints, levelSums } from './iq-grid-assign.ts';
import type { LatticeSearch } from './iq-lattice-search.ts';

const fround = Math.fround;

export interface ScaleSearchConfig {
  readonly search: LatticeSearch;
  /** Values per sub-block (16 or 32). */
  readonly n: number;
  /** kMaxQ-1: the highest level. */
  readonly maxLevel: number;
  readonly range: number;
  /** 0.1f or 0.2f, already rounded to float32. */
  readonly step: number;
  /**
   * Which groups the last pass re-snaps: 'all' (IQ2_XXS, always; IQ3_S, when any group was off
   * the grid) or 'offGrid' (only the groups that were off the grid).
   */
  readonly refine: 'always-all' | 'all' | 'offGrid';
}

/** Scratch owned by one quantizer (never shared between types that could interleave). */
export interface ScaleSearchScratch {
  readonly L: Int8Array;
  readonly Laux: Int8Array;
  readonly index: Int32Array;
  readonly sums: Float32Array;
}

export function scaleSearchScratch(n: number): ScaleSearchScratch {
  return { L: new Int8Array(n), Laux: new Int8Array(n), index: new Int32Array(8), sums: new Float32Array(2) };
}

/**
 * Runs the search for xval[0..n) (magnitudes; weight / waux = sqrt(weight) per value) starting
 * from `scale`, with inverse scales (2*kMaxQ-1 + is*step)/denom. Leaves the chosen levels in
 * scratch.L (every group on the grid unless the fit never succeeded and L stayed 0, which is the
 * grid's point 0) and returns the scale, which may be negative as in ggml.
 */
export function searchSubBlockScale(
  cfg: ScaleSearchConfig, xval: Float32Array, weight: Float32Array, waux: Float32Array,
  denom: number, startScale: number, startOnGrid: boolean, sc: ScaleSearchScratch,
): number {
  const { search, n, maxLevel, range, step, refine } = cfg;
  const { L, Laux, index, sums } = sc;
  const groups = n / search.grid.dim;
  const all = (1 << groups) - 1;
  const base = 2 * maxLevel + 1;
  let best = 0;
  let scale = startScale;
  let onGrid = startOnGrid ? all : 0;
  L.fill(0);
  for (let is = -range; is <= range; is++) {
    const id = fround(fround(base + fround(is * step)) / denom);
    const thisScale = fround(1 / id);
    const onGridAux = assignGridPoints(search, maxLevel, xval, waux, n, all, id, thisScale, Laux, index);
    levelSums(weight, xval, Laux, n, sums);
    const sumqx = sums[0]!;
    const sumq2 = sums[1]!;
    if (sumq2 > 0 && fround(sumqx * sumqx) > fround(best * sumq2)) {
      scale = fround(sumqx / sumq2);
      best = fround(scale * sumqx);
      L.set(Laux);
      onGrid = onGridAux;
    }
  }
  const again = refine === 'always-all' ? all : onGrid === all ? 0 : refine === 'all' ? all : all & ~onGrid;
  if (again !== 0 && scale > 0) {
    const id = fround(1 / scale);
    assignGridPoints(search, maxLevel, xval, waux, n, again, id, scale, L, index);
    levelSums(weight, xval, L, n, sums);
    if (sums[1]! > 0) scale = fround(sums[0]! / sums[1]!);
  }
  return scale;
}
