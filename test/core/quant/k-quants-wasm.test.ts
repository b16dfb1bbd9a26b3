// The WebAssembly K-quants (src/core/quant/wasm/): batching rows through the module's memory
// changes no byte (the golden files, tiled into more rows than one batch holds, and into one row
// longer than a batch). test/architecture/wasm-modules.test.ts checks the module is fresh.
import { describe, expect, it } from 'vitest';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import type { WasmKQuantType } from '../../../src/core/quant/wasm/k-quants-wasm.ts';
import { GOLDEN_COLS, GOLDEN_ROWS, firstRowDifference, readGoldenBytes, readGoldenF32 } from './golden-files.ts';

const TYPES: WasmKQuantType[] = ['Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];
const goldenName = (type: WasmKQuantType, imatrix: boolean): string => `${type.toLowerCase().replace('_k', '_K')}${imatrix ? '.imatrix' : ''}.bin`;

function tile<T extends Float32Array | Uint8Array>(a: T, times: number): T {
  const out = new (a.constructor as new (n: number) => T)(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}

describe('K-quants in WebAssembly', () => {
  const input = readGoldenF32('input.f32');
  const imatrix = readGoldenF32('imatrix.f32');

  it('gives the golden bytes for rows spread over several batches (3 MB of input)', () => {
    const times = 8;
    for (const type of TYPES) {
      for (const withImatrix of [false, true]) {
        const actual = quantizeRowsCpu(type, tile(input, times), GOLDEN_COLS, withImatrix ? imatrix : null);
        const expected = tile(readGoldenBytes(goldenName(type, withImatrix)), times);
        expect(firstRowDifference(actual, expected, GOLDEN_ROWS * times), `${type}${withImatrix ? ' with imatrix' : ''}`).toBe('');
      }
    }
  });

  it('gives the golden bytes for one row longer than a batch (the 48 rows end to end)', () => {
    // One row of 48*2048 columns: block b reads the weights of columns 256b.., which the tiled
    // imatrix makes those of its column in the 2048-column file.
    const wide = tile(imatrix, GOLDEN_ROWS);
    for (const type of TYPES) {
      for (const withImatrix of [false, true]) {
        const actual = quantizeRowsCpu(type, input, GOLDEN_COLS * GOLDEN_ROWS, withImatrix ? wide : null);
        expect(firstRowDifference(actual, readGoldenBytes(goldenName(type, withImatrix)), 1), `${type}${withImatrix ? ' with imatrix' : ''}`).toBe('');
      }
    }
  });
});
