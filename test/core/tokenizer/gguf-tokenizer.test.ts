// The GGUF tokenizer's own rules, without llama.cpp (test/integration/gguf-tokenizer-llama.test.ts
// compares it with llama.cpp): what it refuses, BOS defaults, special-token cutting, the SPM merge
// order and the pre-tokenizer split.
import { describe, expect, it } from 'vitest';
import type { GgufKv } from '../../../src/core/gguf/gguf-value.ts';
import { ggufTokenizer } from '../../../src/core/tokenizer/gguf-tokenizer.ts';
import { readGgufVocab } from '../../../src/core/tokenizer/gguf-vocab.ts';
import { llamaPreTokenizer, preTokenize } from '../../../src/core/tokenizer/llama-pre-tokenizer.ts';

const str = (key: string, value: string): GgufKv => ({ key, value: { type: 'string', value } });
const strs = (key: string, value: string[]): GgufKv => ({ key, value: { type: 'array', itemType: 'string', value } });
const i32s = (key: string, value: number[]): GgufKv => ({ key, value: { type: 'array', itemType: 'i32', value } });
const f32s = (key: string, value: number[]): GgufKv => ({ key, value: { type: 'array', itemType: 'f32', value } });

function spmKvs(): GgufKv[] {
  const tokens = ['<unk>', '<s>', '</s>', '<0x41>', '▁', 'a', 'b', 'ab', '▁a', '▁ab', '<|im_start|>'];
  return [
    str('tokenizer.ggml.model', 'llama'),
    strs('tokenizer.ggml.tokens', tokens),
    f32s('tokenizer.ggml.scores', [0, 0, 0, 0, -1, -2, -2, -3, -4, -1, 0]),
    i32s('tokenizer.ggml.token_type', [2, 3, 3, 6, 1, 1, 1, 1, 1, 1, 3]),
  ];
}

describe('GGUF tokenizer', () => {
  it('refuses an unknown pre-tokenizer, naming the file and the name', () => {
    const kvs = [str('tokenizer.ggml.model', 'gpt2'), str('tokenizer.ggml.pre', 'no-such-pre'), strs('tokenizer.ggml.tokens', ['a']), strs('tokenizer.ggml.merges', [])];
    expect(() => readGgufVocab(kvs, 'm.gguf')).toThrow(/m\.gguf: tokenizer\.ggml\.pre "no-such-pre" is not a pre-tokenizer.*supported: default, llama3/);
  });

  it('refuses other tokenizer models and a GGUF without a tokenizer', () => {
    expect(() => readGgufVocab([str('tokenizer.ggml.model', 't5')], 'm.gguf')).toThrow(/m\.gguf: tokenizer model "t5" is not supported/);
    expect(() => readGgufVocab([], 'm.gguf')).toThrow(/m\.gguf: no tokenizer\.ggml\.model/);
  });

  it('SPM: BOS 1 added by default; add_bos_token false turns it off', () => {
    expect(readGgufVocab(spmKvs(), 'm.gguf')).toMatchObject({ addBos: true, bos: 1, eos: 2, unk: 0 });
    expect(readGgufVocab([...spmKvs(), { key: 'tokenizer.ggml.add_bos_token', value: { type: 'bool', value: false } }], 'm.gguf').addBos).toBe(false);
  });

  it('SPM: merges by score, prefixes ▁ after specials, falls back to bytes, cuts control tokens only when asked', () => {
    const t = ggufTokenizer(readGgufVocab(spmKvs(), 'm.gguf'), 'm.gguf');
    expect(t.encode('ab', false)).toEqual([9]); // "▁ab" (score -1) beats "▁a" (-4)
    expect(t.encode('<|im_start|>ab', true)).toEqual([10, 9]);
    expect(t.encode('A', false)).toEqual([4, 3]); // "▁", then "A" as <0x41>
    expect(() => t.encode('Z', false)).toThrow(/m\.gguf: the vocabulary has no token for the byte <0x5A>/);
  });

  it('BPE: llama-bpe adds BOS by default, gpt-2 does not', () => {
    const kvs = (pre: string) => [str('tokenizer.ggml.model', 'gpt2'), str('tokenizer.ggml.pre', pre), strs('tokenizer.ggml.tokens', Array.from({ length: 12 }, (_, i) => `t${i}`)), strs('tokenizer.ggml.merges', [])];
    expect(readGgufVocab(kvs('llama-bpe'), 'm.gguf')).toMatchObject({ addBos: true, bos: 11 });
    expect(readGgufVocab(kvs('gpt-2'), 'm.gguf')).toMatchObject({ addBos: false });
  });

  it('splits as llama.cpp\'s regexes do (llama3: digits by three, whitespace before a word kept apart)', () => {
    const { regexes } = llamaPreTokenizer('llama-bpe', 'm.gguf');
    expect(preTokenize("Hello  world 12345 I've\n\n", regexes)).toEqual(['Hello', ' ', ' world', ' ', '123', '45', ' I', "'ve", '\n\n']);
    const smollm = llamaPreTokenizer('smollm', 'm.gguf').regexes;
    expect(preTokenize('a 123', smollm)).toEqual(['a', ' ', '1', '2', '3']);
  });
});
