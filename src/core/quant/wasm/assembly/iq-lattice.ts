// The search tables ggml's iq2xs_init_impl / iq3xs_init_impl build from a grid, built here from
// the same point lists (iq-grid-points.ts): a map from a packed point (levels l, 2 or 3 bits each)
// to its grid index, and for points off the grid the list of grid points at the `nwant` smallest
// distinct squared distances, ordered by (distance, grid index) as ggml's sort orders them (the
// order decides ties in the quantizers). ggml builds every list up front; here each list is built
// the first time a quantizer lands on its point, which is a few thousand points at most: the
// quantizers clamp levels to 0..2 (two-bit grids) or 0..7, and only those points are ever looked up.
//
// The tables live above the module's static data, in a region sized for every reachable list
// (heapBase() ends above it); memory pages that are never written cost nothing.
import { IQ1S_POINTS, IQ2S_POINTS, IQ2XS_POINTS, IQ2XXS_POINTS, IQ3S_POINTS, IQ3XXS_POINTS } from './iq-grid-points';

export const IQ2XXS_GRID = 0;
export const IQ2XS_GRID = 1;
export const IQ2S_GRID = 2;
export const IQ1S_GRID = 3;
export const IQ3XXS_GRID = 4;
export const IQ3S_GRID = 5;
const GRIDS = 6;

/**
 * Per grid: size, dim, nwant, and the pool's capacity in uint16 words: a count and the indices
 * for each reachable off-grid point (3^8 - on-grid points, or 8^4 - on-grid points), summed over
 * all of them (test/core/quant/i-quants-wasm.test.ts builds every one).
 */
const SIZE: usize = memory.data<i32>([256, 512, 1024, 2048, 256, 512]);
const DIM: usize = memory.data<i32>([8, 8, 8, 8, 4, 4]);
const NWANT: usize = memory.data<i32>([2, 2, 1, 3, 2, 3]);
const POOL_WORDS: usize = memory.data<i32>([119462, 187770, 50253, 332234, 22825, 28317]);
/** Per grid, where its map, slots and pool start; how much of the pool is used; whether it is prepared. */
const MAP_AT: usize = memory.data(GRIDS * 4, 4);
const SLOTS_AT: usize = memory.data(GRIDS * 4, 4);
const POOL_AT: usize = memory.data(GRIDS * 4, 4);
const POOL_USED: usize = memory.data(GRIDS * 4, 4);
const READY: usize = memory.data(GRIDS * 4, 4);

// @ts-ignore: decorator
@inline function at(table: usize, g: i32): usize {
  return table + (<usize>g << 2);
}

// @ts-ignore: decorator
@inline function get(table: usize, g: i32): i32 {
  return load<i32>(table + (<usize>g << 2));
}

/** The packed point list of grid g. */
export function pointsOf(g: i32): usize {
  switch (g) {
    case IQ2XXS_GRID: return IQ2XXS_POINTS;
    case IQ2XS_GRID: return IQ2XS_POINTS;
    case IQ2S_GRID: return IQ2S_POINTS;
    case IQ1S_GRID: return IQ1S_POINTS;
    case IQ3XXS_GRID: return IQ3XXS_POINTS;
    default: return IQ3S_POINTS;
  }
}

const TABLES: usize = (__heap_base + 15) & ~15;

/** The end of the tables: the first byte callers may use. */
export let tablesEnd: usize = TABLES;
for (let g = 0; g < GRIDS; g++) {
  const dim = get(DIM, g);
  store<u32>(at(MAP_AT, g), <u32>tablesEnd);
  tablesEnd += <usize>4 << (dim * (dim == 8 ? 2 : 3));
  store<u32>(at(SLOTS_AT, g), <u32>tablesEnd);
  tablesEnd += <usize>get(SIZE, g) << 3;
  store<u32>(at(POOL_AT, g), <u32>tablesEnd);
  tablesEnd = (tablesEnd + (<usize>get(POOL_WORDS, g) << 1) + 15) & ~15;
}
const pagesNeeded = <i32>((tablesEnd + 0xffff) >>> 16);
if (memory.size() < pagesNeeded) memory.grow(pagesNeeded - memory.size());

/** Squared distances of one point to every grid point (2048 at most). */
const DIST: usize = memory.data(2048 * 4, 16);

/** Bits per level: 2 for the 8-coordinate grids, 3 for the 4-coordinate ones. */
// @ts-ignore: decorator
@inline function levelBits(g: i32): i32 {
  return get(DIM, g) == 8 ? 2 : 3;
}

/**
 * Per grid point, one byte per coordinate k: 4 * ((level << log2(dim)) | k), the byte offset of
 * the (level, coordinate) error term in a level-major table of 32 float32 terms (iq-neighbour.ts).
 */
export function gridSlots(g: i32): usize {
  if (get(READY, g) == 0) prepare(g);
  return <usize>get(SLOTS_AT, g);
}

/** The packed point -> grid index map (int32; < 0 off the grid). */
export function gridMap(g: i32): usize {
  if (get(READY, g) == 0) prepare(g);
  return <usize>get(MAP_AT, g);
}

function prepare(g: i32): void {
  const dim = get(DIM, g);
  const bits = levelBits(g);
  const mask = (1 << bits) - 1;
  const logDim = dim == 8 ? 3 : 2;
  const map = <usize>get(MAP_AT, g);
  const slots = <usize>get(SLOTS_AT, g);
  const points = pointsOf(g);
  memory.fill(map, 0xff, <usize>4 << (dim * bits)); // -1: off the grid, no list yet
  for (let p = 0; p < get(SIZE, g); p++) {
    const word = <i32>load<u16>(points + (<usize>p << 1));
    store<i32>(map + (<usize>word << 2), p);
    let packed: u64 = 0;
    for (let k = 0; k < dim; k++) packed |= <u64>(((((word >> (bits * k)) & mask) << logDim) | k) << 2) << (8 * k);
    store<u64>(slots + (<usize>p << 3), packed);
  }
  store<i32>(at(READY, g), 1);
}

/**
 * The neighbour list of the off-grid point u (map value < 0): a uint16 count, then the grid
 * indices. Built on first use; map[u] then holds -(offset + 2) of the list in the pool.
 */
export function neighbours(g: i32, u: i32): usize {
  const entry = <usize>get(MAP_AT, g) + (<usize>u << 2);
  const m = load<i32>(entry);
  const pool = <usize>get(POOL_AT, g);
  if (m < -1) return pool + (<usize>(-m - 2) << 1);
  const offset = get(POOL_USED, g);
  const list = pool + (<usize>offset << 1);
  const n = fillList(g, u, list);
  const used = offset + 1 + n;
  if (used > get(POOL_WORDS, g)) unreachable(); // only points with levels out of range get here
  store<i32>(at(POOL_USED, g), used);
  store<i32>(entry, -offset - 2);
  return list;
}

/** Writes the count and the indices of u's list at `list`; returns the count. */
function fillList(g: i32, u: i32, list: usize): i32 {
  const dim = get(DIM, g);
  const bits = levelBits(g);
  const mask = (1 << bits) - 1;
  const logDim = dim == 8 ? 3 : 2;
  const size = get(SIZE, g);
  const nwant = get(NWANT, g);
  const slots = <usize>get(SLOTS_AT, g);
  // Distances between odd values 2l+1 are 4x those between levels: the order is the same.
  let s0 = i32.MAX_VALUE;
  let s1 = i32.MAX_VALUE;
  let s2 = i32.MAX_VALUE;
  for (let p = 0; p < size; p++) {
    const packed = load<u64>(slots + (<usize>p << 3));
    let d2 = 0;
    for (let k = 0; k < dim; k++) {
      const diff = (<i32>((packed >> (8 * k)) & 0xff) >> (logDim + 2)) - ((u >> (bits * k)) & mask);
      d2 += diff * diff;
    }
    store<i32>(DIST + (<usize>p << 2), d2);
    // The nwant smallest distinct distances, ascending.
    if (d2 == s0 || d2 == s1 || d2 == s2) continue;
    if (d2 < s0) {
      s2 = s1;
      s1 = s0;
      s0 = d2;
    } else if (d2 < s1) {
      s2 = s1;
      s1 = d2;
    } else if (d2 < s2) {
      s2 = d2;
    }
  }
  let n = 0;
  for (let s = 0; s < nwant; s++) {
    const want = s == 0 ? s0 : s == 1 ? s1 : s2;
    if (want == i32.MAX_VALUE) break;
    for (let p = 0; p < size; p++) {
      if (load<i32>(DIST + (<usize>p << 2)) == want) {
        n++;
        store<u16>(list + (<usize>n << 1), <u16>p);
      }
    }
  }
  store<u16>(list, <u16>n);
  return n;
}
