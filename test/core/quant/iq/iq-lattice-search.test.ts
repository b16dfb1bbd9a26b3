// The grids expanded from the published point lists, and the search tables derived from them.
import { describe, expect, it } from 'vitest';
import { iqGrid, iqSignByte, type IqGridName } from '../../../../src/core/quant/iq/iq-grids.ts';
import { latticeSearch } from '../../../../src/core/quant/iq/iq-lattice-search.ts';

const SIZES: Record<IqGridName, number> = { iq2xxs: 256, iq2xs: 512, iq2s: 1024, iq1s: 2048, iq3xxs: 256, iq3s: 512 };
const NWANT: Record<IqGridName, number> = { iq2xxs: 2, iq2xs: 2, iq2s: 1, iq1s: 3, iq3xxs: 2, iq3s: 3 };

function dist2(name: IqGridName, p: number, u: number): number {
  const { dim, bits, levels } = iqGrid(name);
  let d = 0;
  for (let k = 0; k < dim; k++) d += (levels[p * dim + k]! - ((u >> (bits * k)) & ((1 << bits) - 1))) ** 2;
  return d;
}

describe('i-quant grids and search tables', () => {
  for (const name of Object.keys(SIZES) as IqGridName[]) {
    it(`${name}: ${SIZES[name]} distinct points, mapped back by the search map`, () => {
      const grid = iqGrid(name);
      expect(grid.size).toBe(SIZES[name]);
      expect(new Set(grid.packed).size).toBe(grid.size);
      const search = latticeSearch(name);
      for (let p = 0; p < grid.size; p++) expect(search.map[grid.packed[p]!]).toBe(p);
      // IQ2/IQ1 levels never exceed 2 (ggml's searches clamp to 0..2).
      if (grid.bits === 2) expect(Math.max(...grid.levels)).toBe(2);
    });

    it(`${name}: neighbour lists hold the ${NWANT[name]} nearest distances, ordered by (distance, index)`, () => {
      const grid = iqGrid(name);
      const search = latticeSearch(name);
      const maxLevel = grid.bits === 2 ? 2 : 7;
      // Pseudo-random off-grid points with every level in the searched range.
      const probes: number[] = [];
      let seed = 12345;
      while (probes.length < 40) {
        let u = 0;
        for (let k = 0; k < grid.dim; k++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          u |= ((seed >>> 16) % (maxLevel + 1)) << (grid.bits * k);
        }
        if (search.map[u]! < 0) probes.push(u);
      }
      expect(probes.length).toBeGreaterThan(3);
      for (const u of probes) {
        const { indices } = search.neighbours(u);
        const list = [...indices];
        const all = Array.from({ length: grid.size }, (_, p) => dist2(name, p, u));
        const distinct = [...new Set(all)].sort((a, b) => a - b).slice(0, NWANT[name]);
        const expected = all
          .map((d, p) => [d, p] as const)
          .filter(([d]) => distinct.includes(d))
          .sort((a, b) => a[0] - b[0] || a[1] - b[1])
          .map(([, p]) => p);
        expect(list).toEqual(expected);
        expect(search.neighbours(u)).toBe(search.neighbours(u));
      }
    });
  }

  it('sign bytes complete 7 bits with an even-parity 8th bit (ggml ksigns_iq2xs)', () => {
    expect([0, 1, 2, 3, 127].map(iqSignByte)).toEqual([0, 129, 130, 3, 255]);
    for (let i = 0; i < 128; i++) {
      const b = iqSignByte(i);
      expect(b & 127).toBe(i);
      expect(b.toString(2).split('').filter((c) => c === '1').length % 2).toBe(0);
    }
  });
});
