import { describe, expect, it } from 'vitest';
import { parseGgmlTypeName } from '../../src/core/ggml-type.ts';
import type { ModelPlan, PlannedTensor } from '../../src/core/model/plan-types.ts';
import { chooseTensorTypes, fallbackForRowLength, parseTypeOverride } from '../../src/core/recipe/choose-types.ts';

function tensor(ggufName: string, ne: number[], quantizable = true): PlannedTensor {
  return {
    ggufName, hfName: ggufName, role: 'attn_q', layer: 0, ne, quantizable, transform: { kind: 'none' },
    source: { file: 'model.safetensors', name: ggufName, dtype: 'F32', shape: [...ne].reverse(), offset: 0, byteLength: 0 },
  };
}

const plan: ModelPlan = {
  architecture: 'llama', hfArchitecture: 'LlamaForCausalLM', metadata: [], layerCount: 1,
  tensors: [
    tensor('token_embd.weight', [64, 512]),
    tensor('blk.0.attn_norm.weight', [64], false),
    tensor('blk.0.attn_q.weight', [64, 64]),
    tensor('blk.0.attn_v.weight', [64, 32]),
    tensor('blk.0.ffn_down.weight', [172, 64]),
    tensor('blk.0.ffn_up.weight', [64, 172]),
  ],
};

describe('tensor type choice', () => {
  it('uses the base type, keeps norms F32 and falls back like llama.cpp', () => {
    const types = chooseTensorTypes(plan, { baseType: 'Q4_0' });
    expect(Object.fromEntries(types)).toEqual({
      'token_embd.weight': 'Q4_0',
      'blk.0.attn_norm.weight': 'F32',
      'blk.0.attn_q.weight': 'Q4_0',
      'blk.0.attn_v.weight': 'Q4_0',
      'blk.0.ffn_down.weight': 'F16', // 172 columns: no 32-element block fits
      'blk.0.ffn_up.weight': 'Q4_0',
    });
  });

  it('applies the first matching --tensor-type pattern, then exact edits', () => {
    const overrides = ['attn_v=q8_0', 'attn_.*=q5_1', 'ATTN_V=f32'].map((t) => parseTypeOverride(t, parseGgmlTypeName));
    const types = chooseTensorTypes(plan, {
      baseType: 'F16',
      overrides,
      edits: new Map([['blk.0.attn_q.weight', 'BF16' as const]]),
    });
    expect(types.get('blk.0.attn_v.weight')).toBe('Q8_0');
    expect(types.get('blk.0.attn_q.weight')).toBe('BF16');
    expect(types.get('token_embd.weight')).toBe('F16');
  });

  it('follows the fallback chain for 256-element block types', () => {
    expect(fallbackForRowLength('Q4_K', 64 + 32)).toBe('Q5_0');
    expect(fallbackForRowLength('Q6_K', 96)).toBe('Q8_0');
    expect(fallbackForRowLength('IQ2_XS', 96)).toBe('IQ4_NL');
    expect(fallbackForRowLength('Q2_K', 172)).toBe('F16');
    expect(fallbackForRowLength('Q4_K', 512)).toBe('Q4_K');
  });

  it('explains a malformed --tensor-type', () => {
    expect(() => parseTypeOverride('attn_v', parseGgmlTypeName)).toThrow(/expected PATTERN=TYPE/);
    expect(() => parseTypeOverride('attn_v=q9_9', parseGgmlTypeName)).toThrow(/unknown type "q9_9"/);
    expect(() => parseTypeOverride('attn_v(=q8_0', parseGgmlTypeName)).toThrow(/invalid pattern/);
  });
});
