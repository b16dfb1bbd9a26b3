// Types that need importance weights are refused up front, naming the tensor: in the type menu,
// in recipe edits and before an export starts (not minutes into it).
import { describe, expect, it } from 'vitest';
import type { TensorTypes } from '../core/model/plan-types.ts';
import { missingImportance, missingImportanceMessage, needsImatrixByEitherRule } from '../core/recipe/imatrix-needs.ts';
import { cellRefusal, recipeMissingImportance } from './importance-checks.ts';
import { initialImatrix, initialRecipe, type StudioState } from './store.ts';

const V = 'blk.0.attn_v.weight';

describe('needsImatrixByEitherRule', () => {
  it('the quantizers\' own rule holds on every tensor, llama-quantize\'s policy on block tensors', () => {
    for (const t of ['IQ2_XXS', 'IQ2_XS', 'IQ1_S'] as const) {
      expect(needsImatrixByEitherRule(V, t, 'F16')).toBe(true);
      expect(needsImatrixByEitherRule('token_embd.weight', t, 'F16')).toBe(true);
    }
    for (const t of ['IQ1_M', 'IQ2_S', 'IQ3_XXS'] as const) {
      expect(needsImatrixByEitherRule(V, t, 'F16')).toBe(true);
      expect(needsImatrixByEitherRule('output.weight', t, 'F16')).toBe(false);
    }
    expect(needsImatrixByEitherRule(V, 'Q2_K', 'Q2_K_S')).toBe(true);
    expect(needsImatrixByEitherRule(V, 'Q2_K', 'Q2_K')).toBe(false);
    for (const t of ['IQ3_S', 'IQ4_XS', 'IQ4_NL', 'Q4_K', 'F16'] as const) expect(needsImatrixByEitherRule(V, t, 'F16')).toBe(false);
  });
});

describe('missingImportance', () => {
  const types: TensorTypes = new Map([[V, 'IQ2_XXS'], ['blk.0.attn_q.weight', 'Q4_K'], ['token_embd.weight', 'IQ1_S'], ['blk.1.attn_v.weight', 'IQ2_XS']]);

  it('names every tensor without weights, and says whether an imatrix is loaded at all', () => {
    expect(missingImportance(types, 'F16', null).map((m) => m.tensor)).toEqual([V, 'token_embd.weight', 'blk.1.attn_v.weight']);
    const partly = missingImportance(types, 'F16', new Set([V, 'blk.1.attn_v.weight']));
    expect(partly).toEqual([{ tensor: 'token_embd.weight', type: 'IQ1_S', loaded: true }]);
    expect(missingImportanceMessage(partly)).toBe('token_embd.weight: IQ1_S needs an importance matrix, and the loaded one has no entry for this tensor — choose another type for it.');
  });

  it('the message names the first tensors and counts the rest', () => {
    const message = missingImportanceMessage(missingImportance(types, 'F16', null), 2);
    expect(message).toBe(`${V}: IQ2_XXS needs an importance matrix — load or compute one; token_embd.weight: IQ1_S needs an importance matrix — load or compute one; and 1 more tensor.`);
  });
});

describe('cellRefusal / recipeMissingImportance', () => {
  const state = (imatrix: Partial<StudioState['imatrix']>, types?: TensorTypes) => ({
    imatrix: { ...initialImatrix, ...imatrix },
    recipe: { ...initialRecipe, appliedMix: 'F16' as const, types: types ?? null },
  });

  it('refuses IQ2_XXS on a cell without an imatrix, naming the tensor; allows it with weights for it', () => {
    expect(cellRefusal(state({}), V, 'IQ2_XXS')).toBe(`${V}: IQ2_XXS needs an importance matrix — load or compute one`);
    expect(cellRefusal(state({}), V, 'Q4_K')).toBeNull();
    expect(cellRefusal(state({ status: 'ready', entryNames: [V] }), V, 'IQ2_XXS')).toBeNull();
    expect(cellRefusal(state({ status: 'ready', entryNames: [] }), V, 'IQ2_XXS')).toMatch(/the loaded one has no entry for this tensor/);
    // Being read is not loaded yet.
    expect(cellRefusal(state({ status: 'loading', entryNames: [V] }), V, 'IQ2_XXS')).toMatch(/load or compute one/);
  });

  it('finds the recipe\'s tensors an export would fail on', () => {
    const types: TensorTypes = new Map([[V, 'IQ2_XXS'], ['blk.0.attn_q.weight', 'Q4_K']]);
    expect(recipeMissingImportance(state({}, types))).toEqual([{ tensor: V, type: 'IQ2_XXS', loaded: false }]);
    expect(recipeMissingImportance(state({ status: 'ready', entryNames: [V] }, types))).toEqual([]);
  });
});
