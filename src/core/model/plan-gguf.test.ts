import { describe, expect, it } from 'vitest';
import type { ModelFiles } from '../bytes-io.ts';
import { SeveralGgufModelsError, ggufModelNames, ggufShardNames, pickGgufModel, roleOfGgufTensor } from './plan-gguf.ts';

const filesOf = (names: string[]): ModelFiles => ({
  label: 'me/repo',
  names: () => names,
  open: (n) => (names.includes(n) ? { name: n, size: 0, read: async () => new Uint8Array(0) } : undefined),
});

describe('GGUF models among files', () => {
  it('counts a split set once, by its first shard, and lists every shard of any', () => {
    expect(ggufModelNames(['a-00002-of-00002.gguf', 'a-00001-of-00002.gguf', 'b.gguf', 'config.json'])).toEqual(['a-00001-of-00002.gguf', 'b.gguf']);
    expect(ggufShardNames('a-00002-of-00003.gguf')).toEqual(['a-00001-of-00003.gguf', 'a-00002-of-00003.gguf', 'a-00003-of-00003.gguf']);
    expect(() => ggufShardNames('a-00004-of-00003.gguf')).toThrow(/shard 4 of 3 is not a valid split file name/);
  });

  it('several models: the error lists them, in words and as a list the page offers', () => {
    let error: unknown;
    try {
      pickGgufModel(filesOf(['x-Q4_K_M.gguf', 'x-Q8_0.gguf', 'y-00001-of-00002.gguf', 'y-00002-of-00002.gguf']));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SeveralGgufModelsError);
    expect((error as Error).message).toBe('me/repo holds 3 GGUF models (x-Q4_K_M.gguf, x-Q8_0.gguf, y-00001-of-00002.gguf): name the one to open');
    expect((error as SeveralGgufModelsError).ggufModels).toEqual(['x-Q4_K_M.gguf', 'x-Q8_0.gguf', 'y-00001-of-00002.gguf']);
    expect(pickGgufModel(filesOf(['only.gguf']))).toBe('only.gguf');
  });

  it('roles from GGUF names, unknown names undefined', () => {
    expect(roleOfGgufTensor('blk.3.attn_q.weight')).toBe('attn_q');
    expect(roleOfGgufTensor('blk.0.ffn_gate_exps.bias')).toBe('ffn_gate_exps_bias');
    expect(roleOfGgufTensor('blk.1.shortconv.in_proj.weight')).toBe('shortconv_in');
    expect(roleOfGgufTensor('token_embd_norm.weight')).toBe('output_norm');
    expect(roleOfGgufTensor('blk.0.ssm_a')).toBe('ssm_a');
    expect(roleOfGgufTensor('blk.0.altup_proj.weight')).toBeUndefined();
  });
});
