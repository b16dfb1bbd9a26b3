// A STAND-IN for SmolLM2's tokenizer, which no npm package ships. It is of the same size and kind —
// 49,152 tokens of byte-level BPE whose pre-tokenizer splits digits one by one before GPT-2's
// byte-level split — but it is NOT SmolLM2's vocabulary: it is StarCoder2's (bigcode/starcoder2),
// read from the vocab-only GGUF that llama.cpp keeps for its tokenizer tests
// (models/ggml-vocab-starcoder.gguf in the source node-llama-cpp ships), with SmolLM2's special
// tokens written over ids 0-16. Consequences to keep in mind:
// - llama.cpp recognises this vocabulary's pre-tokenizer by its check-text hash as "starcoder",
//   not "smollm" (both use the same split rules in llama.cpp), so a GGUF from this folder says
//   tokenizer.ggml.pre = "starcoder" where the real SmolLM2's says "smollm";
// - ids 17-37 stay StarCoder2's control tokens (<pr>, <NAME>, …), ordinary tokens in SmolLM2;
// - every other id means a different piece of text than in SmolLM2.
// The special tokens are SmolLM2's (<|endoftext|> 0, <|im_start|> 1, <|im_end|> 2 as its configs
// and chat template use them; 3-16 as recalled from its tokenizer.json, not checked against it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gguf } from '@huggingface/gguf';
import { llamaCppSourceFile } from './llama-cpp-source.ts';

export const SMOLLM2_SPECIAL_TOKENS = [
  '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<repo_name>', '<reponame>', '<file_sep>', '<filename>', '<gh_stars>',
  '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>',
  '<jupyter_output>', '<jupyter_script>', '<empty_output>',
];

/** SmolLM2-Instruct's chat template (ChatML with a default system turn), as llama.cpp users see it in its GGUFs. */
export const SMOLLM2_CHAT_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const CONTROL = 3; // llama.cpp's LLAMA_TOKEN_TYPE_CONTROL

interface StarCoderVocab {
  tokens: string[];
  types: number[];
  merges: string[];
}

async function starCoderVocab(cacheRoot: string): Promise<StarCoderVocab> {
  const bytes = await llamaCppSourceFile('models/ggml-vocab-starcoder.gguf', cacheRoot);
  // @huggingface/gguf reads local files by path only.
  const dir = await mkdtemp(path.join(tmpdir(), 'starcoder-vocab-'));
  try {
    const file = path.join(dir, 'vocab.gguf');
    await writeFile(file, bytes);
    const m = (await gguf(file, { allowLocalFile: true })).metadata as Record<string, unknown>;
    const vocab = { tokens: m['tokenizer.ggml.tokens'], types: m['tokenizer.ggml.token_type'], merges: m['tokenizer.ggml.merges'] };
    if (!Array.isArray(vocab.tokens) || vocab.tokens.length !== 49152 || !Array.isArray(vocab.types) || !Array.isArray(vocab.merges)) {
      throw new Error('models/ggml-vocab-starcoder.gguf is not the 49,152-token vocabulary this stand-in is built from');
    }
    return vocab as StarCoderVocab;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** tokenizer.json and tokenizer_config.json of the stand-in, as objects. */
export async function smollm2StandIn(cacheRoot: string): Promise<{ tokenizer: object; tokenizerConfig: object }> {
  const { tokens, types, merges } = await starCoderVocab(cacheRoot);
  const names = tokens.slice();
  SMOLLM2_SPECIAL_TOKENS.forEach((t, i) => {
    names[i] = t;
  });
  const vocab: Record<string, number> = {};
  names.forEach((t, i) => {
    vocab[t] = i;
  });
  const specialIds = types.flatMap((t, i) => (t === CONTROL ? [i] : []));
  const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialIds.map((id) => ({ id, content: names[id]!, ...flags })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  const decoder: Record<string, object> = {};
  for (const id of specialIds) decoder[String(id)] = { content: names[id]!, ...flags };
  const tokenizerConfig = {
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: SMOLLM2_SPECIAL_TOKENS.slice(1),
    bos_token: '<|endoftext|>',
    chat_template: SMOLLM2_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|endoftext|>',
    model_max_length: 8192,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: '<|endoftext|>',
    vocab_size: 49152,
  };
  return { tokenizer, tokenizerConfig };
}
