// tokenizer.ggml.pre for byte-level BPE vocabularies, found as llama.cpp's converter finds it: encode
// the converter's check text with the model's own tokenizer, hash Python's str() of the id list
// with sha256, look the hash up. An unknown hash is an error there and here: llama.cpp would split
// the text with the wrong rules.
import { sha256 } from '@noble/hashes/sha2.js';
import { Tokenizer } from '@huggingface/tokenizers';
import { PRE_TOKENIZER_BY_HASH } from './pre-tokenizer-hashes.ts';
import type { TokenizerConfigJson, TokenizerJson } from './tokenizer-json.ts';

/** The converter's chktxt (get_vocab_base_pre), character for character. */
export const PRE_TOKENIZER_CHECK_TEXT =
  '\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български \'\'\'\'\'\'```````""""......!!!!!!?????? I\'ve been \'told he\'s there, \'RE you sure? \'M not sure I\'ll make it, \'D you like some tea? We\'Ve a\'lL';

/** `str(ids)` in Python: "[1, 2, 3]". */
export function pythonListString(ids: readonly number[]): string {
  return `[${ids.join(', ')}]`;
}

/** The hex sha256 the converter computes (AutoTokenizer.encode adds the post-processor's specials). */
export function preTokenizerHash(tokenizer: TokenizerJson, tokenizerConfig: TokenizerConfigJson | undefined, file = 'tokenizer.json'): string {
  let ids: number[];
  try {
    const hf = new Tokenizer(tokenizer as unknown as object, (tokenizerConfig ?? {}) as object);
    ids = hf.encode(PRE_TOKENIZER_CHECK_TEXT, { add_special_tokens: true }).ids;
  } catch (e) {
    throw new Error(`${file}: cannot run this tokenizer to identify its pre-tokenizer (${(e as Error).message})`);
  }
  const digest = sha256(new TextEncoder().encode(pythonListString(ids)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function gpt2PreTokenizerOf(tokenizer: TokenizerJson, tokenizerConfig: TokenizerConfigJson | undefined, file: string, model: string): string {
  const hash = preTokenizerHash(tokenizer, tokenizerConfig, file);
  const name = PRE_TOKENIZER_BY_HASH[hash];
  if (name) return name;
  throw new Error(
    `${file}: the byte-level BPE pre-tokenizer of ${model} is not recognised (check-text hash ${hash}); ` +
      `llama.cpp's converter knows ${Object.keys(PRE_TOKENIZER_BY_HASH).length} pre-tokenizers and refuses this one too`,
  );
}
