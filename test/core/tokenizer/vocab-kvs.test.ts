import { describe, expect, it } from 'vitest';
import type { GgufKv } from '../../../src/core/gguf/gguf-value.ts';
import { UNMERGED_TOKEN_SCORE } from '../../../src/core/tokenizer/merge-scores.ts';
import type { TokenizerJson } from '../../../src/core/tokenizer/tokenizer-json.ts';
import { buildVocabulary, tokenizerKvs } from '../../../src/core/tokenizer/vocab-kvs.ts';

const spm: TokenizerJson = {
  added_tokens: [{ id: 0, content: '<unk>', special: true }, { id: 1, content: '<s>', special: true }, { id: 2, content: '</s>', special: true }, { id: 9, content: '<tool>', special: false }],
  decoder: { type: 'Sequence' },
  post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>' } }, { Sequence: { id: 'A' } }] },
  model: {
    type: 'BPE', byte_fallback: true, unk_token: '<unk>',
    vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '<0x41>': 3, a: 4, b: 5, ab: 6, abb: 7, bb: 8 },
    merges: [['a', 'b'], 'ab b', 'a bb', 'b b'],
  },
};
const get = (kvs: GgufKv[], key: string) => kvs.find((k) => k.key === key)?.value;

describe('tokenizerKvs for SentencePiece-style tokenizer.json', () => {
  const kvs = tokenizerKvs({ tokenizer: spm, tokenizerConfig: { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', add_eos_token: false, chat_template: '{{x}}' }, config: { pad_token_id: 2 }, vocabSize: 12 });

  it('scores each token -(rank of the first merge producing it), others very low or 0', () => {
    const scores = Array.from(get(kvs, 'tokenizer.ggml.scores')!.value as Float32Array);
    // ab: rank 0; abb: rank 1 (also made by rank 2, the first wins); bb: rank 3; a, b: made by no merge.
    expect(scores.slice(0, 9)).toEqual([0, 0, 0, 0, UNMERGED_TOKEN_SCORE, UNMERGED_TOKEN_SCORE, 0, -1, -3]);
    expect(scores.slice(9)).toEqual([-1000, -10000, -10000]); // user-defined added token, padding
  });

  it('types tokens and pads to the vocabulary size', () => {
    expect(get(kvs, 'tokenizer.ggml.tokens')!.value).toEqual(['<unk>', '<s>', '</s>', '<0x41>', 'a', 'b', 'ab', 'abb', 'bb', '<tool>', '[PAD10]', '[PAD11]']);
    expect(Array.from(get(kvs, 'tokenizer.ggml.token_type')!.value as Int32Array)).toEqual([2, 3, 3, 6, 1, 1, 1, 1, 1, 4, 5, 5]);
  });

  it('writes special ids, add flags and the template in converter order', () => {
    expect(kvs.map((k) => k.key)).toEqual([
      'tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type',
      'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id', 'tokenizer.ggml.padding_token_id',
      'tokenizer.ggml.add_bos_token', 'tokenizer.ggml.add_eos_token', 'tokenizer.chat_template',
    ]);
    expect([0, 1, 2, 3].map((i) => kvs[5 + i]!.value)).toEqual([1, 2, 0, 2].map((value) => ({ type: 'u32', value })));
    expect(get(kvs, 'tokenizer.ggml.add_bos_token')).toEqual({ type: 'bool', value: true }); // from the post-processor
    expect(get(kvs, 'tokenizer.chat_template')).toEqual({ type: 'string', value: '{{x}}' });
  });

  it('refuses token ids at or past the vocabulary size', () => {
    expect(() => tokenizerKvs({ tokenizer: spm, tokenizerConfig: undefined, config: {}, vocabSize: 9, fileLabel: 'm/tokenizer.json' }))
      .toThrow('m/tokenizer.json: token id 9 ("<tool>") is not below the model\'s vocab_size 9');
  });
});

describe('tokenizerKvs for byte-level BPE', () => {
  const llama3Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const bpe: TokenizerJson = {
    added_tokens: [{ id: 3, content: '<|begin_of_text|>', special: true }, { id: 4, content: '<tool>', special: false }, { id: 5, content: '<unused0>', special: false }],
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: llama3Regex }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: null,
    normalizer: null,
    model: { type: 'BPE', ignore_merges: true, byte_fallback: false, vocab: { a: 0, b: 1, ab: 2 }, merges: [['a', 'b']] },
  };

  it('refuses a pre-tokenizer whose check-text hash llama.cpp does not know, naming file and model', () => {
    expect(() => tokenizerKvs({ tokenizer: bpe, tokenizerConfig: undefined, config: {}, vocabSize: 6, fileLabel: 'x/tokenizer.json', modelLabel: 'org/tiny' }))
      .toThrow(/^x\/tokenizer\.json: the byte-level BPE pre-tokenizer of org\/tiny is not recognised \(check-text hash [0-9a-f]{64}\)/);
  });

  it('types added tokens CONTROL when special or special-looking, else USER_DEFINED', () => {
    const types = buildVocabulary({ tokenizer: bpe, tokenizerConfig: undefined, config: {}, vocabSize: 7 }).types;
    expect(types).toEqual([1, 1, 1, 3, 4, 3, 5]);
  });
});
