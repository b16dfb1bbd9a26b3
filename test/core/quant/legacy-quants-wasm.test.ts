// The WebAssembly legacy quantizers (src/core/quant/wasm/): batching rows through the module's
// memory changes no byte (the golden files tiled into more rows than one batch holds; without an
// imatrix also as one row longer than a batch: with one, sigma2 is the row's, so a longer row is
// another input). test/architecture/wasm-modules.test.ts checks the module is fresh.
import { describe, expect, it } from 'vitest';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import type { WasmLegacyType } from '../../../src/core/quant/wasm/legacy-quants-wasm.ts';
import { GOLDEN_COLS, GOLDEN_ROWS, firstRowDifference, readGoldenBytes, readGoldenF32 } from './golden-files.ts';

const TYPES: WasmLegacyType[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1'];
const goldenName = (type: WasmLegacyType, imatrix: boolean): string => `${type.toLowerCase()}${imatrix ? '.imatrix' : ''}.bin`;

function tile<T extends Float32Array | Uint8Array>(a: T, times: number): T {
  const out = new (a.constructor as new (n: number) => T)(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}

describe('legacy quantizers in WebAssembly', () => {
  const input = readGoldenF32('input.f32');
  const imatrix = readGoldenF32('imatrix.f32');

  it('gives the golden bytes for rows spread over several batches (1.2 MB of input)', () => {
    for (const type of TYPES) {
      for (const withImatrix of [false, true]) {
        const actual = quantizeRowsCpu(type, tile(input, 3), GOLDEN_COLS, withImatrix ? imatrix : null);
        const expected = tile(readGoldenBytes(goldenName(type, withImatrix)), 3);
        expect(firstRowDifference(actual, expected, GOLDEN_ROWS * 3), `${type}${withImatrix ? ' with imatrix' : ''}`).toBe('');
      }
    }
  });

  it('gives the golden bytes for one row longer than a batch, without an imatrix', () => {
    for (const type of TYPES) {
      const actual = quantizeRowsCpu(type, tile(input, 3), GOLDEN_COLS * GOLDEN_ROWS * 3, null);
      expect(firstRowDifference(actual, tile(readGoldenBytes(goldenName(type, false)), 3), 1), type).toBe('');
    }
  });
});
