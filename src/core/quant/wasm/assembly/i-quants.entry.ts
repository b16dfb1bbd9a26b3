// The i-quant row quantizers (IQ4_NL, IQ4_XS, IQ3_XXS, IQ3_S, IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S,
// IQ1_M), compiled to WebAssembly (scripts/build-wasm.mjs): the caller (src/core/quant/wasm/
// i-quants-wasm.ts) copies whole rows, and the importance weights of one row, into this module's
// memory above heapBase() and calls one function for the batch. The lattice search tables sit
// between the static data and heapBase() (iq-lattice.ts).
import { gridMap, neighbours, pointsOf, tablesEnd } from './iq-lattice';
import { IQ1_M_BYTES, IQ1_S_BYTES, iq1M, iq1S } from './iq1';
import { IQ2_S_BYTES, IQ2_XS_BYTES, IQ2_XXS_BYTES, iq2S, iq2Xs, iq2Xxs } from './iq2';
import { IQ3_S_BYTES, IQ3_XXS_BYTES, iq3S, iq3Xxs } from './iq3';
import { IQ4_NL_BYTES, IQ4_XS_BYTES, bestIndexOf, iq4Nl, iq4Xs } from './iq4';

/** Quantizes one block at x (importance weights at qw, or 0) into o. */
type BlockFn = (x: usize, qw: usize, o: usize) => void;

/** The first byte the caller may use (the static data and the lattice tables end below it). */
export function heapBase(): usize {
  return (tablesEnd + 15) & ~15;
}

/**
 * Quantizes `count` rows of `perRow` blocks of `values` values at src into dst; block b of a row
 * reads the weights of its columns at qw + 4*values*b (qw 0: no importance weights).
 */
function rows(fn: BlockFn, values: i32, blockBytes: i32, src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  for (let r = 0; r < count; r++) {
    for (let b = 0; b < perRow; b++) {
      const i = <usize>(r * perRow + b);
      fn(src + i * (<usize>values << 2), qw == 0 ? 0 : qw + <usize>b * (<usize>values << 2), dst + i * blockBytes);
    }
  }
}

export function quantizeIq4Nl(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq4Nl, 32, IQ4_NL_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq4Xs(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq4Xs, 256, IQ4_XS_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq3Xxs(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq3Xxs, 256, IQ3_XXS_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq3S(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq3S, 256, IQ3_S_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq2Xxs(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq2Xxs, 256, IQ2_XXS_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq2Xs(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq2Xs, 256, IQ2_XS_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq2S(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq2S, 256, IQ2_S_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq1S(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq1S, 256, IQ1_S_BYTES, src, dst, count, perRow, qw);
}

export function quantizeIq1M(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(iq1M, 256, IQ1_M_BYTES, src, dst, count, perRow, qw);
}

/** For tests: the packed point list of grid g (0 IQ2_XXS, 1 IQ2_XS, 2 IQ2_S, 3 IQ1_S/IQ1_M, 4 IQ3_XXS, 5 IQ3_S). */
export function gridPoints(g: i32): usize {
  return pointsOf(g);
}

/** For tests: the neighbour list of off-grid point u of grid g (a uint16 count, then the indices; 0 on the grid). */
export function neighbourList(g: i32, u: i32): usize {
  if (load<i32>(gridMap(g) + (<usize>u << 2)) >= 0) return 0;
  return neighbours(g, u);
}

/** For tests: the kvalues_iq4nl entry IQ4_NL / IQ4_XS round x to (ggml's best_index_int8). */
export function iq4BestIndex(x: f32): i32 {
  return bestIndexOf(x);
}
