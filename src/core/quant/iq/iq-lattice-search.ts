// The search structures ggml's iq2xs_init_impl / iq3xs_init_impl build from a grid, for the GPU
// quantizers' tables (src/gpu/iq-tables.ts; the CPU quantizers build the same lists in
// WebAssembly, wasm/assembly/iq-lattice.ts), built here from the same definition: a map from a
// packed point (levels l, 2 or 3 bits each) to its grid index, and, for points off the grid, the
// list of grid points at the `nwant` smallest distinct squared distances (in the odd-value space
// 2l+1), ordered by (distance, grid index). That order decides ties in the quantizers, so it must
// match ggml's sort exactly. Neighbour lists are computed per
// point on first use: a row touches only a few hundred of the tens of thousands of points.
import { iqGrid, type IqGrid, type IqGridName } from './iq-grids.ts';

/** The candidate grid points of one off-grid point, in ggml's order. */
export interface NeighbourList {
  readonly indices: Uint16Array;
}

export interface LatticeSearch {
  readonly grid: IqGrid;
  /** Packed point -> grid index, or -1 when the point is not on the grid. */
  readonly map: Int32Array;
  /** The nearest grid points of an off-grid packed point. */
  neighbours(packedPoint: number): NeighbourList;
}

/** How many distinct distances each grid's neighbour lists span (ggml's nwant). */
const NWANT: Record<IqGridName, number> = {
  iq2xxs: 2, iq2xs: 2, iq2s: 1, iq1s: 3, iq3xxs: 2, iq3s: 3,
};

function buildSearch(name: IqGridName): LatticeSearch {
  const grid = iqGrid(name);
  const { dim, bits, size, levels, packed } = grid;
  const map = new Int32Array(1 << (dim * bits)).fill(-1);
  for (let p = 0; p < size; p++) map[packed[p]!] = p;
  const nwant = NWANT[name];
  const lists = new Array<NeighbourList | undefined>(map.length);
  const dist = new Int32Array(size);
  const point = new Int32Array(dim);
  const mask = (1 << bits) - 1;

  function compute(u: number): NeighbourList {
    for (let k = 0; k < dim; k++) point[k] = (u >>> (bits * k)) & mask;
    // Distances between odd values 2l+1 are 4x those between levels: the order is the same.
    const smallest = [Infinity, Infinity, Infinity];
    for (let p = 0; p < size; p++) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) {
        const diff = levels[p * dim + k]! - point[k]!;
        d2 += diff * diff;
      }
      dist[p] = d2;
      for (let s = 0; s < nwant; s++) {
        if (d2 === smallest[s]) break;
        if (d2 < smallest[s]!) {
          for (let t = nwant - 1; t > s; t--) smallest[t] = smallest[t - 1]!;
          smallest[s] = d2;
          break;
        }
      }
    }
    const out: number[] = [];
    for (let s = 0; s < nwant && smallest[s] !== Infinity; s++) {
      for (let p = 0; p < size; p++) if (dist[p] === smallest[s]) out.push(p);
    }
    return { indices: Uint16Array.from(out) };
  }

  return {
    grid,
    map,
    neighbours(u: number): NeighbourList {
      let list = lists[u];
      if (list === undefined) {
        list = compute(u);
        lists[u] = list;
      }
      return list;
    },
  };
}

const searches = new Map<IqGridName, LatticeSearch>();

export function latticeSearch(name: IqGridName): LatticeSearch {
  let s = searches.get(name);
  if (!s) {
    s = buildSearch(name);
    searches.set(name, s);
  }
  return s;
}
