import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { fileTypeSummary } from '../core/recipe/choose-types.ts';
import { planGgufLayout } from '../core/export/export-gguf.ts';
import { chooseMixTypes, MIXES } from '../core/recipe/llama-mixes.ts';
import { MIX_NAMES } from '../core/recipe/mix-names.ts';
import {
  imatrixCoverage, imatrixExtraMetadata, MIX_GROUPS, MIX_HINTS, sizeSummarizer, mixSummaries, studioTensorTypes, typesFittingTensor, unsupportedMessage, unsupportedTypes,
} from './mix-choices.ts';
import { fixturePlan } from './test-plans.node.ts';

let stories: ModelPlan;
let tiny: ModelPlan;
beforeAll(async () => {
  [stories, tiny] = await Promise.all([fixturePlan('stories260K'), fixturePlan('tiny-llama-10m')]);
});

const tensor = (plan: ModelPlan, name: string) => plan.tensors.find((t) => t.ggufName === name)!;

describe('MIX_GROUPS', () => {
  it('offers every llama-quantize mix exactly once', () => {
    const listed = MIX_GROUPS.flatMap((g) => g.mixes);
    expect([...listed].sort()).toEqual([...MIX_NAMES].sort());
    expect(MIX_GROUPS.find((g) => g.label === 'K-quant mixes')!.mixes[0]).toBe('Q6_K');
  });
});

describe('MIX_HINTS', () => {
  it('gives every mix a short hint, and says where an importance matrix is needed', () => {
    for (const mix of MIX_NAMES) {
      expect(MIX_HINTS[mix], mix).toMatch(/\S/);
      expect(MIX_HINTS[mix].length, mix).toBeLessThanOrEqual(48);
    }
    expect(MIX_HINTS.Q4_K_M).toBe('recommended balance');
    for (const mix of ['IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ1_S', 'IQ1_M', 'Q2_K_S'] as const) expect(MIX_HINTS[mix]).toMatch(/needs an importance matrix/);
  });
});

describe('typesFittingTensor', () => {
  it('offers only types whose block divides the row, never Q8_1 or Q8_K', () => {
    // 172-wide ffn_down rows: no block type fits.
    expect(typesFittingTensor(tensor(stories, 'blk.0.ffn_down.weight'))).toEqual(['F32', 'F16', 'BF16']);
    const q = typesFittingTensor(tensor(stories, 'blk.0.attn_q.weight'));
    expect(q).toContain('Q4_0');
    expect(q).toContain('IQ4_NL');
    expect(q).not.toContain('Q4_K'); // 64 is not a multiple of 256
    const wide = typesFittingTensor(tensor(tiny, 'blk.0.attn_q.weight'));
    expect(wide).toContain('IQ2_XXS');
    expect(wide).not.toContain('Q8_1');
    expect(wide).not.toContain('Q8_K');
  });
});

describe('studioTensorTypes', () => {
  it('is the mix choice of llama-quantize when nothing is edited', () => {
    const types = studioTensorTypes(stories, { mix: 'Q4_K_M', hasImatrix: false, edits: {} });
    expect(types).toEqual(chooseMixTypes(stories, { mix: 'Q4_K_M', hasImatrix: false }));
    // Q4_K_M's attn_v bump (Q6_K, falling back to Q8_0 on 64-wide rows) on blocks 2 and 4 only.
    expect([0, 1, 2, 3, 4].map((i) => types.get(`blk.${i}.attn_v.weight`))).toEqual(['Q5_0', 'Q5_0', 'Q8_0', 'Q5_0', 'Q8_0']);
  });

  it('applies edits on top of the mix, with the row-length fallback, and ignores norms and unknown names', () => {
    const types = studioTensorTypes(stories, {
      mix: 'Q8_0',
      hasImatrix: false,
      edits: { 'blk.1.attn_k.weight': 'Q4_1', 'blk.1.ffn_down.weight': 'Q4_0', 'blk.1.attn_norm.weight': 'Q4_0', 'nope.weight': 'F16' },
    });
    expect(types.get('blk.1.attn_k.weight')).toBe('Q4_1');
    expect(types.get('blk.2.attn_k.weight')).toBe('Q8_0');
    expect(types.get('blk.1.ffn_down.weight')).toBe('F16');
    expect(types.get('blk.1.attn_norm.weight')).toBe('F32');
    expect(types.has('nope.weight')).toBe(false);
  });

  it('throws the mix message when the mix needs an imatrix and none is loaded', () => {
    expect(() => studioTensorTypes(tiny, { mix: 'IQ2_XXS', hasImatrix: false, edits: {} })).toThrow(/importance matrix/);
    expect(studioTensorTypes(tiny, { mix: 'IQ2_XXS', hasImatrix: true, edits: {} }).get('blk.1.attn_q.weight')).toBe('IQ2_XXS');
  });
});

describe('mixSummaries', () => {
  it('gives every mix exactly fileTypeSummary\'s size', () => {
    for (const plan of [stories, tiny]) {
      const summaries = mixSummaries(plan, true);
      for (const mix of MIX_NAMES) {
        let types;
        try {
          types = chooseMixTypes(plan, { mix, hasImatrix: true });
        } catch (e) {
          // A mix llama-quantize stops on for this model (Q1_0 on rows not whole 128-blocks).
          expect(summaries[mix], `${mix}`).toEqual({ ok: false, reason: (e as Error).message });
          continue;
        }
        expect(summaries[mix], `${mix}`).toEqual({ ok: true, ...fileTypeSummary(plan, types) });
      }
    }
    // stories260K's rows of 64 hold Q2_0's blocks but not Q1_0's.
    expect(mixSummaries(stories, true).Q2_0.ok).toBe(true);
    expect(mixSummaries(stories, true).Q1_0).toMatchObject({ ok: false, reason: expect.stringMatching(/no fallback type for Q1_0/) });
  });

  it('gives every mix its size from shapes, or why it cannot be applied', () => {
    const without = mixSummaries(tiny, false);
    expect(Object.keys(without).sort()).toEqual([...MIX_NAMES].sort());
    const q4km = without.Q4_K_M;
    expect(q4km.ok && q4km.totalBytes).toBe(fileTypeSummary(tiny, chooseMixTypes(tiny, { mix: 'Q4_K_M', hasImatrix: false })).totalBytes);
    const q8 = without.Q8_0;
    expect(q8.ok && q4km.ok && q4km.bitsPerWeight < q8.bitsPerWeight).toBe(true);
    expect(without.IQ2_XXS).toMatchObject({ ok: false, reason: expect.stringMatching(/importance matrix/) });
    expect(mixSummaries(tiny, true).IQ2_XXS.ok).toBe(true);
  });
});

describe('unsupportedTypes', () => {
  it('lists each type no quantizer writes with its tensors; F32 is always writable', () => {
    const types = chooseMixTypes(tiny, { mix: 'Q4_K_M', hasImatrix: false });
    const missing = unsupportedTypes(types, new Set(['F16', 'Q8_0', 'Q4_K']));
    expect([...missing.keys()].sort()).toEqual(['Q6_K']);
    expect(missing.get('Q6_K')).toContain('token_embd.weight');
    const message = unsupportedMessage(missing);
    expect(message).toMatch(/cannot write Q6_K \(token_embd\.weight, blk\.\d\.attn_v\.weight and \d+ more\)/);
    expect(unsupportedTypes(types, new Set(['Q4_K', 'Q6_K'])).size).toBe(0);
  });
});

describe('imatrixCoverage', () => {
  it('counts the quantizable tensors the imatrix has entries for', () => {
    const quantizable = stories.tensors.filter((t) => t.quantizable);
    const c = imatrixCoverage(['blk.0.attn_q.weight', 'blk.0.attn_norm.weight', 'other.weight'], stories);
    expect(c).toEqual({ covered: 1, quantizable: quantizable.length });
  });
});

describe('imatrixExtraMetadata', () => {
  const info = { name: 'calib.imatrix', entryNames: ['a.weight', 'b.weight'], datasets: ['wiki.txt'], chunkCount: 9 };

  it('gives llama-quantize\'s quantize.imatrix.* keys from what the page knows', () => {
    expect(imatrixExtraMetadata(null)).toEqual([]);
    expect(imatrixExtraMetadata(info)).toEqual([
      { key: 'quantize.imatrix.file', value: { type: 'string', value: 'calib.imatrix' } },
      { key: 'quantize.imatrix.dataset', value: { type: 'string', value: 'wiki.txt' } },
      { key: 'quantize.imatrix.entries_count', value: { type: 'u32', value: 2 } },
      { key: 'quantize.imatrix.chunks_count', value: { type: 'u32', value: 9 } },
    ]);
  });

  it('is counted in the size: the summary equals the export layout with those keys', () => {
    const extra = imatrixExtraMetadata(info);
    const types = chooseMixTypes(stories, { mix: 'Q4_0', hasImatrix: true });
    const layout = planGgufLayout(stories, types, MIXES.Q4_0.ftype, extra);
    expect(sizeSummarizer(stories, extra)(types).totalBytes).toBe(layout.totalBytes);
    expect(sizeSummarizer(stories)(types).totalBytes).toBeLessThan(layout.totalBytes);
  });
});
