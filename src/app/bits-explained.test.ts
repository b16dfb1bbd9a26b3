import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { fileTypeSummary } from '../core/recipe/choose-types.ts';
import { chooseMixTypes } from '../core/recipe/llama-mixes.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { bitsExplanationText, explainBitsPerWeight } from './bits-explained.ts';
import { fixturePlan } from './test-plans.node.ts';

let stories: ModelPlan;
let tinyLlama: ModelPlan;
beforeAll(async () => {
  [stories, tinyLlama] = await Promise.all([fixturePlan('stories260K'), fixturePlan('tiny-llama-10m')]);
});

const typesOf = (plan: ModelPlan, mix: MixName) => chooseMixTypes(plan, { mix, hasImatrix: false });
const explain = (plan: ModelPlan, mix: MixName) => {
  const types = typesOf(plan, mix);
  return explainBitsPerWeight(plan, types, mix, fileTypeSummary(plan, types).bitsPerWeight);
};

describe('explainBitsPerWeight', () => {
  it('stories260K at Q4_0: the embedding at Q8_0 and the 172-wide ffn_down rows at F16', () => {
    const e = explain(stories, 'Q4_0')!;
    expect(e).toMatchObject({ mainType: 'Q4_0', nominalBits: 4.5 });
    const byKind = Object.fromEntries(e.groups.map((g) => [g.kind, g]));
    expect(byKind.embedding).toMatchObject({ roles: ['token_embd'], types: ['Q8_0'] });
    expect(byKind.fallback).toMatchObject({ roles: ['ffn_down'], types: ['F16'] });
    expect(e.groups.map((g) => g.share)).toEqual([...e.groups.map((g) => g.share)].sort((a, b) => b - a));
    const text = bitsExplanationText(e, 'Q4_0');
    expect(text).toMatch(/^In this model /);
    expect(text).toMatch(/token_embd holds \d+% of the weights and stays at Q8_0/);
    expect(text).toMatch(/ffn_down \(\d+%\) stays at F16, as Q4_0 blocks do not fit its rows/);
    expect(text).toMatch(/\. So bits per weight is higher than Q4_0's nominal 4\.50 \(its main type, Q4_0\)\.$/);
  });

  it('tells the fallbacks of 64-wide rows (no Q4_K block fits) from the mix\'s own raises', () => {
    const e = explain(stories, 'Q4_K_M')!;
    expect(e.mainType).toBe('Q4_K');
    expect(e.groups.map((g) => g.kind).sort()).toEqual(['embedding', 'fallback']);
    expect(bitsExplanationText(e, 'Q4_K_M')).toMatch(/attn_k, attn_output, attn_q and 4 more \(\d+%\) stay at [\w/]+, as Q4_K blocks do not fit their rows/);
    const tiny = explain(tinyLlama, 'Q4_K_M')!;
    expect(tiny.groups.map((g) => g.kind)).toEqual(['embedding', 'raised']);
    expect(bitsExplanationText(tiny, 'Q4_K_M')).toMatch(/token_embd holds \d+% of the weights and stays at Q6_K; attn_v, ffn_down \(\d+%\) are raised to Q6_K by the mix's rules/);
  });

  it('says nothing for an unquantized mix, or where the wide tensors are a sliver', () => {
    expect(explain(stories, 'F16')).toBeNull();
    const types = typesOf(stories, 'Q4_0');
    // Every tensor that stays narrow made a thousand times larger: the wide ones are a sliver now.
    const big: ModelPlan = {
      ...stories,
      tensors: stories.tensors.map((t) => (t.role === 'token_embd' || t.role === 'ffn_down' ? t : { ...t, ne: [...t.ne, 1000] })),
    };
    expect(explainBitsPerWeight(big, types, 'Q4_0', 9)).toBeNull();
  });

  it('says nothing when the file is near the nominal bits', () => {
    expect(explainBitsPerWeight(stories, typesOf(stories, 'Q4_0'), 'Q4_0', 4.7)).toBeNull();
  });
});
