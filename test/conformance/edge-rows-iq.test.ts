// The i-quants on edge rows, byte for byte against llama-quantize (edge-rows.ts); IQ2_XXS, IQ2_XS
// and IQ1_S only with the imatrix, which ggml requires for them.
import { describe, expect, it } from 'vitest';
import { GGML_TYPES, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import type { MixName } from '../../src/core/recipe/mix-names.ts';
import { useEdgeRows } from './edge-rows.ts';

const TYPES: [GgmlTypeName, MixName][] = [
  ['IQ4_NL', 'IQ4_NL'], ['IQ4_XS', 'IQ4_XS'], ['IQ3_S', 'IQ3_S'], ['IQ3_XXS', 'IQ3_XXS'], ['IQ2_S', 'IQ2_M'],
  ['IQ2_XS', 'IQ2_XS'], ['IQ2_XXS', 'IQ2_XXS'], ['IQ1_M', 'IQ1_M'], ['IQ1_S', 'IQ1_S'],
];

const rows = useEdgeRows();

describe('i-quant edge rows against llama-quantize', () => {
  for (const [type, mix] of TYPES) {
    for (const withImatrix of GGML_TYPES[type].quantizerNeedsImatrix ? [true] : [false, true]) {
      it(`${type}${withImatrix ? ' with an imatrix' : ''}`, async () => {
        expect(await rows.differences(type, mix, withImatrix), 'rows that differ from llama-quantize').toEqual([]);
      }, 300_000);
    }
  }

  // Values near 1e19: the weights overflow to infinity, so no grid point has a finite error and
  // ggml's neighbour search asserts; the WebAssembly module traps there, and we throw.
  for (const [type, mix] of TYPES.filter(([t]) => ['IQ3_XXS', 'IQ3_S', 'IQ2_S', 'IQ2_XS'].includes(t))) {
    it(`${type}: aborts where llama-quantize aborts (overflowing values)`, async () => {
      const { llama, ours } = await rows.errorsOn(type, mix, true, (v) => v.forEach((_, i) => (v[i] = Math.sin(i * 1.7) * 1e19)));
      expect(llama).toMatch(/GGML_ASSERT\(grid_index >= 0\)/);
      expect(ours).toMatch(new RegExp(`^${type}: ggml aborts on rows 0\\.\\.\\d+ \\(no grid point fits them`));
    }, 300_000);
  }
});
