import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { fileTypeSummary } from '../core/recipe/choose-types.ts';
import { chooseMixTypes } from '../core/recipe/llama-mixes.ts';
import { startExport } from './export-actions.ts';
import { exportFileName } from './export-files.ts';
import {
  applyTypePatterns, clearTensorType, recomputeRecipe, redoEdit, resetEdits, resetRecipeTypes, setMix, setTensorType, undoEdit, withRecipe,
} from './recipe-actions.ts';
import { initialEditHistory } from './edit-history.ts';
import { initialExport, initialImatrix, initialRecipe, initialSource, useStudio } from './store.ts';
import { fixturePlan } from './test-plans.node.ts';

let stories: ModelPlan;
let tiny: ModelPlan;
beforeAll(async () => {
  [stories, tiny] = await Promise.all([fixturePlan('stories260K'), fixturePlan('tiny-llama-10m')]);
});

function open(plan: ModelPlan, label: string): void {
  useStudio.setState({ source: { ...initialSource, status: 'ready', label, fileCount: 1, plan } });
  resetRecipeTypes();
}

beforeEach(() => {
  useStudio.setState({ recipe: initialRecipe, imatrix: initialImatrix, exportJob: initialExport, editHistory: initialEditHistory });
  open(stories, 'stories260K');
});

const recipe = () => useStudio.getState().recipe;

describe('recipe actions', () => {
  it('a mix change recomputes every type and the size in the same update', () => {
    setMix('Q8_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    expect(recipe().types!.get('blk.0.attn_norm.weight')).toBe('F32');
    // 172-wide rows cannot hold 32-blocks: llama.cpp's fallback is F16.
    expect(recipe().types!.get('blk.0.ffn_down.weight')).toBe('F16');
    expect(recipe().appliedMix).toBe('Q8_0');
    expect(recipe().totalBytes).toBe(fileTypeSummary(stories, recipe().types!).totalBytes);
  });

  it('a k-quant mix shows llama-quantize\'s per-tensor choice before anything is quantized', () => {
    setMix('Q4_K_M');
    expect(recipe().types).toEqual(chooseMixTypes(stories, { mix: 'Q4_K_M', hasImatrix: false }));
    expect(recipe().bitsPerWeight).toBeGreaterThan(0);
    expect(exportFileName(useStudio.getState())).toBe('stories260K-Q4_K_M.gguf');
  });

  it('a per-tensor edit wins over the mix and clearing it restores the mix', () => {
    setMix('F16');
    const before = recipe().totalBytes;
    setTensorType('blk.0.attn_q.weight', 'Q8_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    expect(recipe().types!.get('blk.1.attn_q.weight')).toBe('F16');
    expect(recipe().totalBytes).toBeLessThan(before);
    expect(exportFileName(useStudio.getState())).toBe('stories260K-F16-mixed.gguf');
    setMix('Q4_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    clearTensorType('blk.0.attn_q.weight');
    expect(recipe().overrides).toEqual({});
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q4_0');
  });

  it('a mix that needs an imatrix keeps the last applicable recipe and says why, until one is loaded', () => {
    open(tiny, 'tiny-llama-10m');
    setMix('Q8_0');
    const shown = recipe().types;
    const size = recipe().totalBytes;
    setMix('IQ2_XXS');
    expect(recipe().mix).toBe('IQ2_XXS');
    expect(recipe().error).toMatch(/IQ2_XXS needs an importance matrix/);
    expect(recipe().types).toBe(shown);
    expect(recipe().appliedMix).toBe('Q8_0');
    expect(recipe().totalBytes).toBe(size);

    useStudio.setState({ imatrix: { ...initialImatrix, status: 'ready', name: 'x.imatrix' } });
    recomputeRecipe();
    expect(recipe().error).toBeNull();
    expect(recipe().appliedMix).toBe('IQ2_XXS');
    expect(recipe().types!.get('blk.1.attn_q.weight')).toBe('IQ2_XXS');
    expect(recipe().totalBytes).toBeLessThan(size);
  });

  it('opening another model drops the old model\'s types even when its mix cannot be applied', () => {
    // On 64-wide rows IQ2_XXS falls back to IQ4_NL, which needs no imatrix.
    setMix('IQ2_XXS');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('IQ4_NL');
    open(tiny, 'tiny-llama-10m');
    expect(recipe().error).toMatch(/needs an importance matrix/);
    expect(recipe().types).toBeNull();
    expect(recipe().totalBytes).toBe(0);
    open(stories, 'stories260K');
    expect(recipe().error).toBeNull();
    expect(recipe().appliedMix).toBe('IQ2_XXS');
  });

  it('a refused export\'s message goes away when the recipe changes', () => {
    useStudio.setState({ exportJob: { ...initialExport, phase: 'blocked', error: 'cannot write Q6_K' } });
    setMix('Q8_0');
    expect(useStudio.getState().exportJob).toEqual(initialExport);
  });
});

describe('types that need an importance matrix', () => {
  const V = 'blk.0.attn_v.weight';

  it('a cell is not set to IQ2_XXS without an imatrix: refused, naming the tensor, nothing changed', () => {
    open(tiny, 'tiny-llama-10m');
    setMix('Q8_0');
    expect(setTensorType(V, 'IQ2_XXS')).toBe(`${V}: IQ2_XXS needs an importance matrix — load or compute one`);
    expect(recipe().overrides).toEqual({});
    expect(recipe().types!.get(V)).toBe('Q8_0');
  });

  it('a lock made with an imatrix, then the imatrix removed: the export refuses before starting, naming the tensor', async () => {
    open(tiny, 'tiny-llama-10m');
    setMix('Q8_0');
    useStudio.setState({ imatrix: { ...initialImatrix, status: 'ready', name: 'im.gguf', entryNames: [V] }, supportedTypes: null });
    expect(setTensorType(V, 'IQ2_XXS')).toBeNull();
    expect(recipe().types!.get(V)).toBe('IQ2_XXS');
    useStudio.setState({ imatrix: initialImatrix });
    recomputeRecipe();
    await startExport();
    const job = useStudio.getState().exportJob;
    expect(job.phase).toBe('blocked');
    expect(job.error).toBe(`${V}: IQ2_XXS needs an importance matrix — load or compute one.`);
  });
});

describe('startExport', () => {
  it('refuses a recipe with types no quantizer writes, naming them, before any sink or worker is touched', async () => {
    open(tiny, 'tiny-llama-10m');
    setMix('Q4_K_M');
    useStudio.setState({ supportedTypes: ['F32', 'F16', 'Q8_0', 'Q4_K'] });
    await startExport();
    const job = useStudio.getState().exportJob;
    expect(job.phase).toBe('blocked');
    expect(job.error).toMatch(/cannot write Q6_K \(token_embd\.weight, /);
    expect(job.error).not.toMatch(/Q4_K \(/);
  });

  it('does not start while the chosen mix cannot be applied', async () => {
    open(tiny, 'tiny-llama-10m');
    setMix('IQ2_XXS');
    useStudio.setState({ supportedTypes: null });
    await startExport();
    expect(useStudio.getState().exportJob).toEqual(initialExport);
  });
});

describe('withRecipe', () => {
  it('is a pure function of the state it is given, not of the store', () => {
    const given = { source: { ...initialSource, status: 'ready' as const, plan: tiny }, imatrix: initialImatrix, exportJob: { ...initialExport, phase: 'blocked' as const } };
    const next = withRecipe(given, { ...initialRecipe, mix: 'Q8_0' });
    expect(next.recipe.types!.size).toBe(tiny.tensors.length);
    expect(next.recipe.totalBytes).toBe(fileTypeSummary(tiny, next.recipe.types!).totalBytes);
    // A refused export's message was about the old recipe.
    expect(next.exportJob).toEqual(initialExport);
    expect(useStudio.getState().source.plan).toBe(stories);
    expect(withRecipe({ ...given, source: initialSource }, initialRecipe).recipe).toMatchObject({ types: null, totalBytes: 0 });
  });
});

describe('undo, redo, reset and patterns', () => {
  it('each edit is one step back; a new edit after an undo drops the steps ahead', () => {
    setMix('Q8_0');
    setTensorType('blk.0.attn_q.weight', 'Q4_0');
    setTensorType('blk.1.attn_q.weight', 'Q4_0');
    expect(undoEdit()).toBe(true);
    expect(recipe().overrides).toEqual({ 'blk.0.attn_q.weight': 'Q4_0' });
    expect(recipe().types!.get('blk.1.attn_q.weight')).toBe('Q8_0');
    expect(undoEdit()).toBe(true);
    expect(undoEdit()).toBe(true);
    expect(recipe().mix).toBe(initialRecipe.mix);
    expect(undoEdit()).toBe(false);
    expect(redoEdit()).toBe(true);
    expect(recipe().mix).toBe('Q8_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    setTensorType('blk.2.attn_k.weight', 'Q4_0');
    expect(redoEdit()).toBe(false);
    // Reset drops every lock in one step, which Undo brings back.
    resetEdits();
    expect(recipe().overrides).toEqual({});
    undoEdit();
    expect(recipe().overrides).toEqual({ 'blk.2.attn_k.weight': 'Q4_0' });
  });

  it('patterns as llama-quantize reads them: the first matching entry wins, fallbacks for row length, one Undo for all', () => {
    setMix('Q8_0');
    const result = applyTypePatterns('attn_q=q4_0\n^blk\\.1\\.=Q4_K ffn_down=q4_k nothing_here=q8_0', 'the pattern');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q4_0');
    // blk.1.attn_q matched the first entry; the rest of blk.1 the second.
    expect(recipe().types!.get('blk.1.attn_q.weight')).toBe('Q4_0');
    // stories260K's rows are 64 wide: Q4_K falls back to Q5_0; 172-wide rows to F16, as llama.cpp does.
    expect(recipe().types!.get('blk.1.attn_k.weight')).toBe('Q5_0');
    expect(recipe().types!.get('blk.3.ffn_down.weight')).toBe('F16');
    // Norms are never quantized, whatever matches them.
    expect(recipe().types!.get('blk.1.attn_norm.weight')).toBe('F32');
    expect(result.unmatched).toEqual(['nothing_here']);
    expect(result.refused).toEqual([]);
    expect(result.changed).toBe(Object.keys(recipe().overrides).length);
    undoEdit();
    expect(recipe().overrides).toEqual({});
  });

  it('a malformed entry changes nothing and names itself; a type that needs an importance matrix is refused per tensor', () => {
    expect(() => applyTypePatterns('attn_q=q4_0 attn_k', 'tensor-types.txt')).toThrow('tensor-types.txt entry 2 "attn_k": expected PATTERN=TYPE');
    expect(recipe().overrides).toEqual({});
    open(tiny, 'tiny');
    const result = applyTypePatterns('attn_v=iq2_xxs', 'the pattern');
    expect(result.changed).toBe(0);
    expect(result.refused.length).toBeGreaterThan(0);
  });
});
