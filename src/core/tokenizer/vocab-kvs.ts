// tokenizer.json (+ tokenizer_config.json, config.json) -> the tokenizer.* GGUF metadata, in the
// order llama.cpp's converter writes it.
import type { GgufKv } from '../gguf/gguf-value.ts';
import { firstMergeRanks, spmScoreOf } from './merge-scores.ts';
import { findSpecialVocab, specialVocabKvs } from './special-vocab.ts';
import { isByteToken, looksSpecial, TOKEN_TYPE, type TokenType } from './token-type.ts';
import { ggufTokenizerModelOf, mergeParts, type TokenizerConfigJson, type TokenizerJson } from './tokenizer-json.ts';
import { gpt2PreTokenizerOf } from './pre-tokenizer.ts';

export interface TokenizerInputs {
  tokenizer: TokenizerJson;
  tokenizerConfig: TokenizerConfigJson | undefined;
  /** config.json, for `*_token_id` fallbacks. */
  config: Record<string, unknown>;
  /** Rows of token_embd: the token list is padded to it (llama.cpp requires equal counts). */
  vocabSize: number;
  chatTemplateFile?: string;
  /** chat_template.json's "chat_template" (used when there is no chat_template.jinja). */
  chatTemplateJson?: unknown;
  /** Shown in errors. */
  fileLabel?: string;
  tokenizerConfigLabel?: string;
  configLabel?: string;
  /** The model's name for errors (the folder or repo id). */
  modelLabel?: string;
  /** Gemma: tokenizer.ggml.add_space_prefix = false, set after the vocabulary as the converter does. */
  addSpacePrefix?: boolean;
  /**
   * Added tokens whose id does not fit the embedding are left out instead of refused (Gemma 3's
   * <image_soft_token> at id 262144 of a 262144-row text model: the converter aborts there).
   */
  dropAddedTokensBeyondVocab?: boolean;
}

export interface Vocabulary {
  tokens: string[];
  types: TokenType[];
}

/** Padding slots that no tokenizer id fills, as the converter names them. */
const padToken = (id: number) => `[PAD${id}]`;
/** The converter's score for padding slots. */
const UNUSED_TOKEN_SCORE = -10000;
/** The converter's score for user-defined added tokens that no merge produces. */
const USER_DEFINED_TOKEN_SCORE = -1000;

export function tokenizerKvs(inputs: TokenizerInputs): GgufKv[] {
  const kvs: GgufKv[] = [];
  const addPrefixSpace = inputs.tokenizerConfig?.add_prefix_space;
  if (typeof addPrefixSpace === 'boolean') kvs.push({ key: 'tokenizer.ggml.add_space_prefix', value: { type: 'bool', value: addPrefixSpace } });
  const model = ggufTokenizerModelOf(inputs.tokenizer);
  const vocab = buildVocabulary(inputs);
  const special = findSpecialVocab({ ...inputs, tokenCount: vocab.tokens.length });
  kvs.push({ key: 'tokenizer.ggml.model', value: { type: 'string', value: model } });
  const pre = model === 'llama' ? 'default'
    : gpt2PreTokenizerOf(inputs.tokenizer, inputs.tokenizerConfig, inputs.fileLabel ?? 'tokenizer.json', inputs.modelLabel ?? 'this model');
  kvs.push({ key: 'tokenizer.ggml.pre', value: { type: 'string', value: pre } });
  kvs.push({ key: 'tokenizer.ggml.tokens', value: { type: 'array', itemType: 'string', value: vocab.tokens } });
  if (model === 'llama') {
    kvs.push({ key: 'tokenizer.ggml.scores', value: { type: 'array', itemType: 'f32', value: spmScores(inputs.tokenizer, vocab) } });
  }
  kvs.push({ key: 'tokenizer.ggml.token_type', value: { type: 'array', itemType: 'i32', value: Int32Array.from(vocab.types) } });
  if (model === 'gpt2') {
    kvs.push({ key: 'tokenizer.ggml.merges', value: { type: 'array', itemType: 'string', value: gpt2Merges(inputs.tokenizer) } });
  }
  kvs.push(...specialVocabKvs(special));
  if (inputs.addSpacePrefix !== undefined) setInPlace(kvs, { key: 'tokenizer.ggml.add_space_prefix', value: { type: 'bool', value: inputs.addSpacePrefix } });
  return kvs;
}

/** gguf-py's dict semantics: a key set again keeps its first position. */
function setInPlace(kvs: GgufKv[], kv: GgufKv): void {
  const at = kvs.findIndex((k) => k.key === kv.key);
  if (at >= 0) kvs[at] = kv;
  else kvs.push(kv);
}

/** Tokens by id: the model's vocabulary, then added tokens, holes and tail padded to vocabSize. */
export function buildVocabulary(inputs: TokenizerInputs): Vocabulary {
  const { tokenizer, vocabSize } = inputs;
  const file = inputs.fileLabel ?? 'tokenizer.json';
  const byId = new Map<number, { text: string; type: TokenType }>();
  const unkText = tokenizer.model.unk_token ?? undefined;
  for (const [text, id] of Object.entries(tokenizer.model.vocab)) {
    byId.set(id, { text, type: isByteToken(text) ? TOKEN_TYPE.BYTE : TOKEN_TYPE.NORMAL });
  }
  const byteLevel = ggufTokenizerModelOf(tokenizer) === 'gpt2';
  for (const added of tokenizer.added_tokens ?? []) {
    if (inputs.dropAddedTokensBeyondVocab && added.id >= vocabSize) continue;
    // Divergence from the converter: it types <unk> CONTROL; SentencePiece (and stories260K's
    // reference GGUF) type it UNKNOWN, which is what llama.cpp's own SPM vocabularies use.
    const type = added.content === unkText ? TOKEN_TYPE.UNKNOWN
      : added.special || looksSpecial(added.content) ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
    // The converter pre-normalizes user-defined spaces in byte-level vocabularies. SentencePiece-style
    // ones keep "▁": llama.cpp matches the text as the tokenizer.json does (raw, before escaping).
    const text = byteLevel && type === TOKEN_TYPE.USER_DEFINED ? added.content.replaceAll('\u2581', ' ') : added.content;
    byId.set(added.id, { text, type });
  }
  let maxId = -1; // not Math.max(...keys): 150k arguments overflow the stack
  for (const id of byId.keys()) if (id > maxId) maxId = id;
  if (maxId >= vocabSize) {
    throw new Error(`${file}: token id ${maxId} ("${byId.get(maxId)!.text}") is not below the model's vocab_size ${vocabSize}`);
  }
  const tokens: string[] = [];
  const types: TokenType[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const t = byId.get(id);
    tokens.push(t ? t.text : padToken(id));
    types.push(t ? t.type : TOKEN_TYPE.UNUSED);
  }
  return { tokens, types };
}

function spmScores(tokenizer: TokenizerJson, vocab: Vocabulary): Float32Array {
  const ranks = firstMergeRanks(tokenizer);
  return Float32Array.from(vocab.tokens, (text, id) => {
    const type = vocab.types[id]!;
    if (type === TOKEN_TYPE.UNUSED) return UNUSED_TOKEN_SCORE;
    // A user-defined token that merges also produce (Gemma's "▁▁", "\n\n") must score like a merge,
    // since llama.cpp's SPM merges look every concatenation up in the vocabulary.
    if (type === TOKEN_TYPE.USER_DEFINED) return ranks.has(text) ? 0 - ranks.get(text)! : USER_DEFINED_TOKEN_SCORE;
    return spmScoreOf(text, type === TOKEN_TYPE.CONTROL || type === TOKEN_TYPE.UNKNOWN, ranks);
  });
}

/** "a b" strings; a space inside a part becomes U+0120, as gguf-py encodes it. */
function gpt2Merges(tokenizer: TokenizerJson): string[] {
  return tokenizer.model.merges.map((m) => mergeParts(m).map((p) => p.replaceAll(' ', '\u0120')).join(' '));
}
