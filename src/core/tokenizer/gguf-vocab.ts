// The tokenizer a GGUF carries (tokenizer.ggml.* keys), read and checked as llama.cpp's vocabulary
// loader reads it (src/llama-vocab.cpp, llama_vocab::impl::load): the token list, scores, types and
// merges, the special token ids with their per-model defaults, and add_bos with its per-vocabulary
// default. Only the two vocabulary kinds our models use are accepted: "llama" (SentencePiece-style)
// and "gpt2" (byte-level BPE).
import type { GgufKv, GgufValue } from '../gguf/gguf-value.ts';
import { TOKEN_TYPE } from './token-type.ts';
import { llamaPreTokenizer, type LlamaPreTokenizer } from './llama-pre-tokenizer.ts';

export interface GgufVocab {
  kind: 'spm' | 'bpe';
  /** Token text by id (empty texts renamed "[EMPTY_i]", as llama.cpp does). */
  tokens: string[];
  /** Token type by id (tokenizer.ggml.token_type; NORMAL when the key is absent). */
  types: number[];
  /** SentencePiece scores by id (0 when absent). */
  scores: Float32Array;
  /** "a b" merges (BPE only), in rank order. */
  merges: string[];
  /** BPE only: the pre-tokenizer's regexes and flags. */
  pre: LlamaPreTokenizer | null;
  addSpacePrefix: boolean;
  addBos: boolean;
  bos: number | null;
  eos: number | null;
  unk: number | null;
  pad: number | null;
  /** general.name, lower-cased (llama.cpp gives Phi-3 models' special tokens rstrip by it). */
  modelName: string;
  /** Special kinds (eot, eom, fim_pre, ...) whose id the file gives: llama.cpp detects the others by text. */
  givenKinds: Set<string>;
  chatTemplate: string | undefined;
}

function find(kvs: readonly GgufKv[], key: string): GgufValue | undefined {
  return kvs.find((kv) => kv.key === key)?.value;
}

function arrayOf(kvs: readonly GgufKv[], key: string, file: string, itemTypes: readonly string[]): ArrayLike<unknown> | undefined {
  const v = find(kvs, key);
  if (v === undefined) return undefined;
  if (v.type !== 'array' || !itemTypes.includes(v.itemType)) {
    throw new Error(`${file}: ${key} must be an array of ${itemTypes.join(' or ')} (llama.cpp refuses the file)`);
  }
  return v.value as ArrayLike<unknown>;
}

function scalarOf(kvs: readonly GgufKv[], key: string): GgufValue | undefined {
  const v = find(kvs, key);
  return v === undefined || v.type === 'array' ? undefined : v;
}

function stringOf(kvs: readonly GgufKv[], key: string, file: string): string | undefined {
  const v = scalarOf(kvs, key);
  if (v === undefined) return undefined;
  if (v.type !== 'string') throw new Error(`${file}: ${key} must be a string`);
  return v.value;
}

function boolOf(kvs: readonly GgufKv[], key: string, file: string): boolean | undefined {
  const v = scalarOf(kvs, key);
  if (v === undefined) return undefined;
  if (v.type !== 'bool') throw new Error(`${file}: ${key} must be a bool`);
  return v.value;
}

function idOf(kvs: readonly GgufKv[], key: string, file: string): number | undefined {
  const v = scalarOf(kvs, key);
  if (v === undefined) return undefined;
  if (v.type === 'string' || v.type === 'bool') throw new Error(`${file}: ${key} must be an integer`);
  return Number(v.value);
}

/** The tokenizer keys of a GGUF's metadata (its first shard's) -> the vocabulary llama.cpp builds. */
export function readGgufVocab(kvs: readonly GgufKv[], file: string): GgufVocab {
  const model = stringOf(kvs, 'tokenizer.ggml.model', file);
  if (model === undefined) throw new Error(`${file}: no tokenizer.ggml.model: the GGUF carries no tokenizer to tokenize the text with`);
  if (model !== 'llama' && model !== 'gpt2') {
    throw new Error(`${file}: tokenizer model "${model}" is not supported for tokenizing text (supported: llama, gpt2)`);
  }
  const kind = model === 'llama' ? 'spm' : 'bpe';
  const rawTokens = arrayOf(kvs, 'tokenizer.ggml.tokens', file, ['string']);
  if (!rawTokens) throw new Error(`${file}: tokenizer.ggml.tokens is missing`);
  const n = rawTokens.length;
  const tokens = Array.from(rawTokens as ArrayLike<string>, (t, i) => (t === '' ? `[EMPTY_${i}]` : t));
  const rawScores = arrayOf(kvs, 'tokenizer.ggml.scores', file, ['f32', 'i32']);
  if (rawScores && rawScores.length < n) throw new Error(`${file}: tokenizer.ggml.scores has ${rawScores.length} entries for ${n} tokens`);
  const scores = new Float32Array(n);
  if (rawScores) for (let i = 0; i < n; i++) scores[i] = Number(rawScores[i]);
  const rawTypes = arrayOf(kvs, 'tokenizer.ggml.token_type', file, ['i32']);
  if (rawTypes && rawTypes.length < n) throw new Error(`${file}: tokenizer.ggml.token_type has ${rawTypes.length} entries for ${n} tokens`);
  const types = Array.from({ length: n }, (_, i) => (rawTypes ? Number(rawTypes[i]) : TOKEN_TYPE.NORMAL));

  let merges: string[] = [];
  let pre: LlamaPreTokenizer | null = null;
  let addBos: boolean;
  let bos: number | null;
  let eos: number | null;
  let unk: number | null;
  if (kind === 'bpe') {
    const rawMerges = arrayOf(kvs, 'tokenizer.ggml.merges', file, ['string']);
    if (!rawMerges) throw new Error(`${file}: tokenizer.ggml.merges is missing (a gpt2 tokenizer needs its merges)`);
    merges = Array.from(rawMerges as ArrayLike<string>);
    const preName = stringOf(kvs, 'tokenizer.ggml.pre', file) ?? 'default';
    pre = llamaPreTokenizer(preName, file);
    addBos = pre.addBos;
    bos = pre.noBos ? null : 11;
    eos = 11;
    unk = null;
  } else {
    addBos = true;
    bos = 1;
    eos = 2;
    unk = 0;
  }
  let pad: number | null = null;
  // llama.cpp: a default id beyond the vocabulary is disabled; a key's id beyond it is ignored.
  const special = (fallback: number | null, key: string): number | null => {
    let id = fallback !== null && fallback >= n ? null : fallback;
    const given = idOf(kvs, key, file);
    if (given !== undefined && given >= 0 && given < n) id = given;
    return id;
  };
  bos = special(bos, 'tokenizer.ggml.bos_token_id');
  eos = special(eos, 'tokenizer.ggml.eos_token_id');
  unk = special(unk, 'tokenizer.ggml.unknown_token_id');
  pad = special(pad, 'tokenizer.ggml.padding_token_id');
  addBos = boolOf(kvs, 'tokenizer.ggml.add_bos_token', file) ?? addBos;
  if (addBos && bos === null) throw new Error(`${file}: the tokenizer adds BOS but has no BOS token (tokenizer.ggml.bos_token_id)`);
  const addSpacePrefix = boolOf(kvs, 'tokenizer.ggml.add_space_prefix', file) ?? kind === 'spm';
  const givenKinds = new Set<string>();
  const KIND_KEYS: [string, string][] = [
    ['eot', 'eot_token_id'], ['eom', 'eom_token_id'], ['fim_pre', 'fim_pre_token_id'], ['fim_suf', 'fim_suf_token_id'],
    ['fim_mid', 'fim_mid_token_id'], ['fim_pad', 'fim_pad_token_id'], ['fim_rep', 'fim_rep_token_id'], ['fim_sep', 'fim_sep_token_id'],
    ['fim_pre', 'prefix_token_id'], ['fim_suf', 'suffix_token_id'], ['fim_mid', 'middle_token_id'],
  ];
  for (const [kind, key] of KIND_KEYS) {
    const id = idOf(kvs, `tokenizer.ggml.${key}`, file);
    if (id !== undefined && id >= 0 && id < n) givenKinds.add(kind);
  }
  const chat = find(kvs, 'tokenizer.chat_template');
  return {
    kind, tokens, types, scores, merges, pre, addSpacePrefix, addBos, bos, eos, unk, pad,
    modelName: (stringOf(kvs, 'general.name', file) ?? '').replace(/[A-Z]/g, (c) => c.toLowerCase()),
    givenKinds,
    chatTemplate: chat?.type === 'string' ? chat.value : undefined,
  };
}
