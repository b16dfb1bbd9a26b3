// Candidates for rows the 256-blocks do not fit (SmolLM2's width is 576 = 18 × 32): each wanted
// type stands for llama-quantize's fallback, so such a model keeps choices from about 4.5 to 8.5
// bits per weight instead of Q8_0 alone, and the allocator and the slider's range accept a
// fallback of an allowed type.
import { describe, expect, it } from 'vitest';
import { allocateTypes } from '../../src/core/dynamic/allocate.ts';
import { budgetRange } from '../../src/core/dynamic/budget-range.ts';
import { candidateTypesFor, DEFAULT_CANDIDATES, typesForRows } from '../../src/core/dynamic/candidate-types.ts';
import { tensorBytes } from '../../src/core/ggml-type.ts';
import type { ModelPlan, PlannedTensor, TensorRole } from '../../src/core/model/plan-types.ts';
import type { SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';

function tensor(name: string, role: TensorRole, layer: number | null, ne: number[], quantizable = true): PlannedTensor {
  return {
    ggufName: name, hfName: name, role, layer, ne, quantizable, transform: { kind: 'none' },
    source: { file: 'model.safetensors', name, dtype: 'BF16', shape: [...ne].reverse(), offset: 0, byteLength: ne.reduce((a, b) => a * b, 2) },
  };
}

describe('candidates for rows the 256-blocks do not fit', () => {
  it('a 576-wide tensor gets the fallbacks of the default list; a 1536-wide one keeps the list', () => {
    const narrow = tensor('blk.0.attn_q.weight', 'attn_q', 0, [576, 576]);
    const wide = tensor('blk.0.ffn_down.weight', 'ffn_down', 0, [1536, 576]);
    expect(candidateTypesFor(narrow, DEFAULT_CANDIDATES, true)).toEqual(['Q4_0', 'IQ4_NL', 'Q5_0', 'Q5_1', 'Q8_0']);
    expect(candidateTypesFor(wide, DEFAULT_CANDIDATES, true)).toEqual(['Q2_K', 'Q3_K', 'IQ3_S', 'IQ4_XS', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_0']);
    // Rows of 40 values fit no block type but F16: nothing to choose.
    expect(typesForRows(DEFAULT_CANDIDATES, 40)).toEqual([]);
    expect(typesForRows(['F16', 'Q8_0'], 40)).toEqual(['F16']);
  });

  it('the allocator and the slider accept an allowed type\'s fallback, so a Q4_K_M-sized budget fits', () => {
    const plan: ModelPlan = {
      architecture: 'llama', hfArchitecture: 'LlamaForCausalLM', layerCount: 1,
      metadata: [{ key: 'general.architecture', value: { type: 'string', value: 'llama' } }],
      tensors: [tensor('blk.0.attn_q.weight', 'attn_q', 0, [576, 576]), tensor('blk.0.ffn_down.weight', 'ffn_down', 0, [1536, 576])],
    };
    const allowed = ['Q4_K', 'Q6_K'] as const;
    const table: SensitivityTable = {
      format: 'quant-studio-sensitivity', version: 1, positions: 10,
      key: { model: 'synthetic', calibration: null, imatrix: null, candidates: [...allowed], measure: 'all' },
      tensors: plan.tensors.map((t) => ({
        name: t.ggufName, role: t.role, layer: t.layer, ne: t.ne,
        candidates: candidateTypesFor(t, allowed, false).map((type, i) => ({ type, bytes: tensorBytes(type, t.ne) as number, weightedError: 1 / (i + 1), kld: 1 / (i + 1), basis: 'measured' as const })),
      })),
    };
    expect(table.tensors[0]!.candidates.map((c) => c.type)).toEqual(['Q5_0', 'Q8_0']);
    const range = budgetRange(plan, table, new Map(), [...allowed]);
    // Smallest: Q5_0 (5.5 bpw) for the narrow tensor, Q4_K (4.5) for the wide one.
    expect(range.min).toBeCloseTo(((576 * 576 * 5.5) / 8 + (1536 * 576 * 4.5) / 8) * 8 / (576 * 576 + 1536 * 576), 6);
    const allocation = allocateTypes({ plan, table, target: { bitsPerWeight: range.min }, allowed: [...allowed], fileType: 0 });
    expect(allocation.types.get('blk.0.attn_q.weight')).toBe('Q5_0');
    expect(allocation.types.get('blk.0.ffn_down.weight')).toBe('Q4_K');
  });
});
