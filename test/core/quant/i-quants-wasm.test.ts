// The WebAssembly i-quants (src/core/quant/wasm/): the module's grids are the decoders' grids, its
// lazily built neighbour lists are those of ggml's init (for every point a quantizer can reach,
// which also shows the tables' region holds them all), IQ4's table search rounds as
// best_index_int8, and batching rows through the module's memory changes no byte.
// test/architecture/wasm-modules.test.ts checks the module is fresh.
import { describe, expect, it } from 'vitest';
import { GGML_TYPES, rowBytes } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import { iqGrid, type IqGridName } from '../../../src/core/quant/iq/iq-grids.ts';
import { latticeSearch } from '../../../src/core/quant/iq/iq-lattice-search.ts';
import { iQuants } from '../../../src/core/quant/wasm/i-quants-wasm.ts';
import { COLS, ROWS, firstDifference, goldenBytes, goldenImatrix, goldenInput } from './iq/golden-files.ts';

/** The module's grid numbers (wasm/assembly/iq-lattice.ts). */
const GRIDS: [IqGridName, number][] = [['iq2xxs', 0], ['iq2xs', 1], ['iq2s', 2], ['iq1s', 3], ['iq3xxs', 4], ['iq3s', 5]];

function tile<T extends Float32Array | Uint8Array>(a: T, times: number): T {
  const out = new (a.constructor as new (n: number) => T)(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}

describe('i-quants in WebAssembly', () => {
  it('holds the same grid points as the decoders', () => {
    const k = iQuants();
    for (const [name, g] of GRIDS) {
      const { packed } = iqGrid(name);
      const words = new Uint16Array(k.reserve(0), k.exports.gridPoints(g), packed.length);
      expect([...words], name).toEqual([...packed]);
    }
  });

  it('builds the neighbour list of every reachable off-grid point as ggml does', () => {
    // Every list is built in the module (so its tables' region holds them all); every 5th is
    // compared with the TypeScript builder (the GPU's), which test/core/quant/iq checks.
    const k = iQuants();
    for (const [name, g] of GRIDS) {
      const search = latticeSearch(name);
      const { dim, bits } = search.grid;
      const maxLevel = bits === 2 ? 2 : 7; // the quantizers clamp levels to this
      let checked = 0;
      for (let u = 0; u < search.map.length; u++) {
        let reachable = true;
        for (let i = 0; i < dim && reachable; i++) reachable = ((u >> (bits * i)) & ((1 << bits) - 1)) <= maxLevel;
        if (!reachable) continue;
        const at = k.exports.neighbourList(g, u);
        if (search.map[u]! >= 0) {
          expect(at, `${name} point ${u} is on the grid`).toBe(0);
          continue;
        }
        checked++;
        if (u % 5 !== 0) continue;
        const heap = new Uint16Array(k.reserve(0));
        const list = heap.subarray((at >> 1) + 1, (at >> 1) + 1 + heap[at >> 1]!);
        const expected = search.neighbours(u).indices;
        if (list.length !== expected.length || list.some((p, i) => p !== expected[i])) {
          expect([...list], `${name} point ${u}`).toEqual([...expected]);
        }
      }
      expect(checked).toBeGreaterThan(3000);
    }
  });

  it('rounds to the IQ4 table as best_index_int8: the nearest entry, the upper one on an exact tie', () => {
    const index = iQuants().exports.iq4BestIndex;
    expect(index(-200)).toBe(0);
    expect(index(-127)).toBe(0);
    expect(index(200)).toBe(15);
    expect(index(113)).toBe(15);
    expect(index(-115.5)).toBe(1); // midway between -127 and -104
    expect(index(-115.6)).toBe(0);
    expect(index(0)).toBe(8); // 1 is nearer than -10
    expect(index(-4.5)).toBe(8); // tie between -10 and 1
    expect(index(-4.6)).toBe(7);
    expect(index(101)).toBe(15); // tie between 89 and 113
    expect(index(NaN)).toBe(15); // ggml's bisection ends at the top for NaN
    expect(index(-Infinity)).toBe(0);
    expect(index(Infinity)).toBe(15);
  });

  it('gives the golden bytes for rows spread over several batches, and for one row longer than a batch', () => {
    const input = goldenInput();
    const imatrix = goldenImatrix();
    // IQ4_NL's 32-value blocks read their own columns' weights; the others' 256-value blocks theirs.
    for (const type of ['IQ4_NL', 'IQ4_XS', 'IQ2_XS'] as const) {
      for (const withImatrix of [false, true]) {
        const expected = goldenBytes(type.toLowerCase(), withImatrix);
        if (!expected) continue;
        const name = `${type}${withImatrix ? ' with imatrix' : ''}`;
        const perRow = rowBytes(type, COLS);
        const times = 3; // 1.2 MB of input: two batches
        const tiled = quantizeRowsCpu(type, tile(input, times), COLS, withImatrix ? imatrix : null);
        expect(firstDifference(tiled, tile(expected, times), perRow, GGML_TYPES[type].typeSize), name).toBe('');
        const wide = quantizeRowsCpu(type, input, COLS * ROWS, withImatrix ? tile(imatrix, ROWS) : null);
        expect(firstDifference(wide, expected, perRow * ROWS, GGML_TYPES[type].typeSize), `${name}, one row`).toBe('');
      }
    }
  });

  it('throws, naming the type, where ggml aborts, and quantizes the next rows as before', () => {
    // Values near 1e19 overflow the weights: no grid point has a finite error (ggml asserts).
    const huge = new Float32Array(COLS).map((_, i) => Math.sin(i * 1.7) * 1e19);
    const imatrix = goldenImatrix();
    expect(() => quantizeRowsCpu('IQ2_XS', huge, COLS, imatrix)).toThrow(/^IQ2_XS: ggml aborts on rows 0\.\.0 \(no grid point fits them/);
    const expected = goldenBytes('iq2_xs', true)!;
    const perRow = rowBytes('IQ2_XS', COLS);
    const got = quantizeRowsCpu('IQ2_XS', goldenInput().subarray(0, 4 * COLS), COLS, imatrix);
    expect(firstDifference(got, expected.subarray(0, 4 * perRow), perRow, GGML_TYPES.IQ2_XS.typeSize)).toBe('');
  });
});
