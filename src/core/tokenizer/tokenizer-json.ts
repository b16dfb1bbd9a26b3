// The parts of a Hugging Face tokenizer.json that the GGUF vocabulary is built from.

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

export function checkTokenizerJson(json: unknown, file = 'tokenizer.json'): TokenizerJson {
  if (typeof json !== 'object' || json === null) throw new Error(`${file}: must be a JSON object`);
  const model = (json as { model?: unknown }).model as Partial<BpeModelJson> | undefined;
  if (!model || typeof model !== 'object') throw new Error(`${file}: "model" is missing`);
  if (model.type !== 'BPE') {
    throw new Error(`${file}: tokenizer model type ${JSON.stringify(model.type ?? null)} is not supported (supported: BPE)`);
  }
  if (typeof model.vocab !== 'object' || model.vocab === null) throw new Error(`${file}: "model.vocab" must be an object`);
  if (!Array.isArray(model.merges)) throw new Error(`${file}: "model.merges" must be an array`);
  return json as TokenizerJson;
}

/** Splits a merge entry into its two parts (string form: on the single separating space). */
export function mergeParts(merge: string | [string, string], file = 'tokenizer.json'): [string, string] {
  if (Array.isArray(merge)) {
    if (merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string') return merge;
  } else if (typeof merge === 'string') {
    const space = merge.indexOf(' ', 1);
    if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)];
  }
  throw new Error(`${file}: merge ${JSON.stringify(merge)} is not a pair`);
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
