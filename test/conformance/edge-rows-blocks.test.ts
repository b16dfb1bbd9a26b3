// F16, BF16, the legacy types, the K-quants, Q8_0, the ternary types, MXFP4, NVFP4, Q2_0 and Q1_0 on edge rows, byte for byte
// against llama-quantize (edge-rows.ts); with the imatrix only where the quantizer uses one. The
// types that store a block's minimum, largest or mean magnitude in fp16 get huge rows within fp16.
import { describe, expect, it } from 'vitest';
import { GGML_TYPES, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import type { MixName } from '../../src/core/recipe/mix-names.ts';
import { useEdgeRows } from './edge-rows.ts';

const TYPES: [GgmlTypeName, MixName][] = [
  ['F16', 'F16'], ['BF16', 'BF16'], ['Q4_0', 'Q4_0'], ['Q4_1', 'Q4_1'], ['Q5_0', 'Q5_0'], ['Q5_1', 'Q5_1'], ['Q8_0', 'Q8_0'],
  ['Q2_K', 'Q2_K'], ['Q3_K', 'Q3_K_S'], ['Q4_K', 'Q4_K_S'], ['Q5_K', 'Q5_K_S'], ['Q6_K', 'Q6_K'],
  ['TQ1_0', 'TQ1_0'], ['TQ2_0', 'TQ2_0'], ['MXFP4', 'MXFP4_MOE'],
  // NVFP4 has no llama-quantize file type: the two tensors are made NVFP4 by --output-tensor-type
  // and --token-embedding-type under any quantized mix.
  ['Q2_0', 'Q2_0'], ['Q1_0', 'Q1_0'], ['NVFP4', 'Q8_0'],
];
const STORES_VALUES = new Set<GgmlTypeName>(['F16', 'Q4_1', 'Q5_1', 'TQ1_0', 'TQ2_0', 'Q2_0', 'Q1_0']);

const wideRows = useEdgeRows();
const fp16Rows = useEdgeRows({ fp16Values: true });

describe('block-type edge rows against llama-quantize', () => {
  for (const [type, mix] of TYPES) {
    for (const withImatrix of GGML_TYPES[type].quantizerUsesImatrix ? [false, true] : [false]) {
      it(`${type}${withImatrix ? ' with an imatrix' : ''}`, async () => {
        const rows = STORES_VALUES.has(type) ? fp16Rows : wideRows;
        expect(await rows.differences(type, mix, withImatrix), 'rows that differ from llama-quantize').toEqual([]);
      }, 120_000);
    }
  }
});
