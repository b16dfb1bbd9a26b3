// tokenizer.ggml.pre by the converter's check-text hash, on real tokenizer.json files.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpt2PreTokenizerOf, preTokenizerHash, pythonListString } from '../../../src/core/tokenizer/pre-tokenizer.ts';
import { tokenizerPackageDir } from '../../helpers/generate-arch-model.ts';

async function load(arch: 'qwen3' | 'llama3') {
  const dir = tokenizerPackageDir(arch);
  return {
    tokenizer: JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')),
    config: JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')),
  };
}

describe('gpt2PreTokenizerOf', () => {
  it('formats ids as Python str() does', () => {
    expect(pythonListString([198, 4710, 1])).toBe('[198, 4710, 1]');
    expect(pythonListString([])).toBe('[]');
  });

  it('names Qwen\'s vocabulary "qwen2" (the Qwen1.5 hash in the converter\'s table)', async () => {
    const { tokenizer, config } = await load('qwen3');
    expect(preTokenizerHash(tokenizer, config)).toBe('e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea');
    expect(gpt2PreTokenizerOf(tokenizer, config, 'q/tokenizer.json', 'q')).toBe('qwen2');
  });

  it('names a Llama 3 tokenizer.json without a BOS post-processor "smaug-bpe", as the converter does', async () => {
    // The hash covers AutoTokenizer.encode's specials: with Meta's BOS-adding post-processor the same
    // vocabulary hashes to llama-bpe. Both names select the same split regex in llama.cpp.
    const { tokenizer, config } = await load('llama3');
    expect(gpt2PreTokenizerOf(tokenizer, config, 'l/tokenizer.json', 'l')).toBe('smaug-bpe');
    const withBos = {
      ...tokenizer,
      post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } } },
    };
    expect(gpt2PreTokenizerOf(withBos, config, 'l/tokenizer.json', 'l')).toBe('llama-bpe');
  });
});
