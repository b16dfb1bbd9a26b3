// The float, legacy, k-quant, ternary, MXFP4, NVFP4, Q2_0 and Q1_0 types against llama-quantize on generated rows (random-rows.ts).
import { describe, expect, it } from 'vitest';
import { ROW_TYPES, rowCases, useRowModels } from './random-rows.ts';

const rows = useRowModels();

describe('every block type against llama.cpp on generated rows', () => {
  for (const { name, type, mix, withImatrix } of rowCases(ROW_TYPES.filter(([type]) => !type.startsWith('IQ')))) {
    it(name, async () => expect(await rows.differences(type, mix, withImatrix)).toEqual([]), 600_000);
  }
});
