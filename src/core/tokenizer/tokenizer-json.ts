// The parts of a Hugging Face tokenizer.json that the GGUF vocabulary is built from.
import { isPlainObject, shownValue } from '../json-input.ts';

export interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

export interface BpeModelJson {
  type: 'BPE';
  vocab: Record<string, number>;
  /** "a b" strings (older files) or [a, b] pairs (transformers >= 4.45). */
  merges: (string | [string, string])[];
  byte_fallback?: boolean;
  ignore_merges?: boolean;
  unk_token?: string | null;
}

export interface TokenizerJson {
  model: BpeModelJson;
  added_tokens?: AddedToken[];
  normalizer?: Record<string, unknown> | null;
  pre_tokenizer?: Record<string, unknown> | null;
  post_processor?: Record<string, unknown> | null;
  decoder?: Record<string, unknown> | null;
}

/** tokenizer_config.json: only the fields we read; the rest is passed through untouched. */
export type TokenizerConfigJson = Record<string, unknown>;

/** Tokens in the largest vocabularies are a few hundred thousand; past this it is not a vocabulary. */
export const MAX_VOCAB_TOKENS = 1 << 24;

/**
 * normalizer, pre_tokenizer, post_processor, decoder: null, or an object naming its type, and so
 * every component nested in it (Sequence lists). The tokenizer library checks the rest.
 */
const optionalComponent = (json: Record<string, unknown>, key: string, file: string) => {
  const v = json[key];
  if (v === undefined || v === null) return;
  const check = (c: unknown, path: string, depth: number): void => {
    if (!isPlainObject(c) || typeof c.type !== 'string') throw new Error(`${file}: "${path}" must be an object with a "type" string (got ${shownValue(c)})`);
    if (depth > 8) throw new Error(`${file}: "${key}" nests components more than 8 deep`);
    for (const list of ['normalizers', 'pretokenizers', 'processors', 'decoders']) {
      const items = c[list];
      if (items !== undefined && !Array.isArray(items)) throw new Error(`${file}: "${path}.${list}" must be an array`);
      (items as unknown[] | undefined)?.forEach((item, i) => check(item, `${path}.${list}[${i}]`, depth + 1));
    }
  };
  check(v, key, 0);
};

/**
 * The parts of tokenizer.json the GGUF vocabulary and the tokenizer are built from, checked before
 * anything is built: ids are non-negative integers below MAX_VOCAB_TOKENS and no two tokens share
 * one, merges are pairs, added tokens have an id and content.
 */
export function checkTokenizerJson(json: unknown, file = 'tokenizer.json'): TokenizerJson {
  if (!isPlainObject(json)) throw new Error(`${file}: must be a JSON object`);
  const model = json.model;
  if (!isPlainObject(model)) throw new Error(`${file}: "model" is missing`);
  if (model.type !== 'BPE') {
    throw new Error(`${file}: tokenizer model type ${shownValue(model.type ?? null)} is not supported (supported: BPE)`);
  }
  if (!isPlainObject(model.vocab)) throw new Error(`${file}: "model.vocab" must be an object`);
  const owner = new Map<number, string>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= MAX_VOCAB_TOKENS) {
      throw new Error(`${file}: "model.vocab" gives token ${shownValue(token)} the id ${shownValue(id)} (ids are integers from 0 to ${MAX_VOCAB_TOKENS - 1})`);
    }
    const other = owner.get(id);
    if (other !== undefined) throw new Error(`${file}: "model.vocab" gives tokens ${shownValue(other)} and ${shownValue(token)} the same id ${id}`);
    owner.set(id, token);
  }
  if (!Array.isArray(model.merges)) throw new Error(`${file}: "model.merges" must be an array`);
  model.merges.forEach((m: unknown, i) => mergeParts(m as string, `${file}: "model.merges"[${i}]`));
  for (const key of ['byte_fallback', 'ignore_merges'] as const) {
    if (model[key] !== undefined && model[key] !== null && typeof model[key] !== 'boolean') throw new Error(`${file}: "model.${key}" must be true or false (got ${shownValue(model[key])})`);
  }
  if (model.unk_token !== undefined && model.unk_token !== null && typeof model.unk_token !== 'string') throw new Error(`${file}: "model.unk_token" must be a string or null`);
  const added = json.added_tokens;
  if (added !== undefined) {
    if (!Array.isArray(added)) throw new Error(`${file}: "added_tokens" must be an array`);
    added.forEach((t: unknown, i) => {
      const where = `${file}: "added_tokens"[${i}]`;
      if (!isPlainObject(t)) throw new Error(`${where} must be an object`);
      if (typeof t.id !== 'number' || !Number.isInteger(t.id) || t.id < 0 || t.id >= MAX_VOCAB_TOKENS) throw new Error(`${where}: "id" must be an integer from 0 to ${MAX_VOCAB_TOKENS - 1} (got ${shownValue(t.id)})`);
      if (typeof t.content !== 'string') throw new Error(`${where}: "content" must be a string (got ${shownValue(t.content)})`);
      if (t.special !== undefined && typeof t.special !== 'boolean') throw new Error(`${where}: "special" must be true or false`);
    });
  }
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) optionalComponent(json, key, file);
  return json as unknown as TokenizerJson;
}

/** Splits a merge entry into its two parts (string form: on the single separating space). */
export function mergeParts(merge: string | [string, string], where = 'tokenizer.json'): [string, string] {
  if (Array.isArray(merge)) {
    if (merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string') return merge;
  } else if (typeof merge === 'string') {
    const space = merge.indexOf(' ', 1);
    if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)];
  }
  throw new Error(`${where}: merge ${shownValue(merge)} is not a pair`);
}

/**
 * Which GGUF tokenizer model llama.cpp needs (the converter's test in LlamaHfVocab):
 * BPE with byte fallback and a decoder Sequence is SentencePiece-style ("llama");
 * byte-level BPE is "gpt2".
 */
export function ggufTokenizerModelOf(tokenizer: TokenizerJson): 'llama' | 'gpt2' {
  const m = tokenizer.model;
  const isLlama3Style = m.ignore_merges === true && m.byte_fallback !== true;
  if (!isLlama3Style && m.byte_fallback === true && tokenizer.decoder?.type === 'Sequence') return 'llama';
  return 'gpt2';
}
