// The --tensor-type-file patterns: after llama-quantize's lower-casing, each matches exactly its
// own tensor (ECMAScript semantics, as std::regex's default grammar), and our own reading of the
// file (parseTypeOverrideFile + chooseMixTypes --pure) gives back the recipe's types.
import { describe, expect, it } from 'vitest';
import { exactNamePattern } from '../../src/core/dynamic/tensor-type-file.ts';
import { spearman } from '../../src/core/dynamic/rank-correlation.ts';
import { parseGgmlTypeName } from '../../src/core/ggml-type.ts';
import { parseTypeOverrideFile } from '../../src/core/recipe/choose-types.ts';

const llamaPattern = (p: string) => new RegExp(p.toLowerCase());

describe('exactNamePattern', () => {
  const names = ['blk.1.attn_v.weight', 'blk.11.attn_v.weight', 'blk.1.attn_v.weight.extra', 'blkX1.attn_v.weight', 'a+b(c)[d]{2}|e$f^g*h?i\\j'];
  it.each(names)('matches %s and no other name', (name) => {
    const re = llamaPattern(exactNamePattern(name));
    for (const other of names) expect(re.test(other), `${name} vs ${other}`).toBe(other === name);
  });

  it('survives lower-casing for upper-case names (hex escapes)', () => {
    const re = llamaPattern(exactNamePattern('blk.0.Attn_V.weight'));
    expect(re.test('blk.0.Attn_V.weight')).toBe(true);
    expect(re.test('blk.0.attn_v.weight')).toBe(false);
  });

  it('refuses names the whitespace-separated file cannot hold', () => {
    expect(() => exactNamePattern('a b')).toThrow(/"a b"/);
  });

  it('reads back through our --tensor-type-file parser', () => {
    const overrides = parseTypeOverrideFile(`${exactNamePattern('blk.1.attn_v.weight')}=q6_k\n${exactNamePattern('token_embd.weight')}=iq4_xs\n`, parseGgmlTypeName);
    expect(overrides.map((o) => o.type)).toEqual(['Q6_K', 'IQ4_XS']);
    expect(overrides[0]!.pattern.test('blk.11.attn_v.weight')).toBe(false);
  });
});

describe('spearman', () => {
  it('is 1 for the same order, -1 for the reverse, and handles ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(spearman([1, 1, 2], [5, 5, 9])).toBeCloseTo(1);
  });
});
