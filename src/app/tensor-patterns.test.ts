import { describe, expect, it } from 'vitest';
import { compileTensorNamePattern } from '../core/recipe/choose-types.ts';
import { columnPattern, rowPattern } from './tensor-patterns.ts';

describe('heading patterns', () => {
  it('a column matches its tensor in every block and nothing else; a row its block only', () => {
    const col = compileTensorNamePattern(columnPattern('blk.7.attn_q.weight'), 'test');
    expect(['blk.0.attn_q.weight', 'blk.31.attn_q.weight'].every(col.test)).toBe(true);
    expect(['blk.0.attn_q_norm.weight', 'blk.0.attn_q.bias', 'blk.0.attn_qxweight'].some(col.test)).toBe(false);
    const lfm = compileTensorNamePattern(columnPattern('blk.2.shortconv.in_proj.weight'), 'test');
    expect(lfm.test('blk.9.shortconv.in_proj.weight')).toBe(true);
    const row = compileTensorNamePattern(rowPattern(1), 'test');
    expect(row.test('blk.1.ffn_up.weight')).toBe(true);
    expect(row.test('blk.10.ffn_up.weight')).toBe(false);
  });
});
