// Calibration and evaluation text -> token ids with the model's own tokenizer.json, BOS first
// when tokenizer_config.json's add_bos_token says so (llama.cpp's add_bos from the same field).
// A model given as a GGUF tokenizes with the tokenizer its metadata carries, as llama.cpp's
// llama-imatrix and llama-perplexity do (control tokens written in the text stay text there).
import { Tokenizer } from '@huggingface/tokenizers';
import { readJson, type ModelFiles } from '../bytes-io.ts';
import { isPlainObject } from '../json-input.ts';
import { loadGgufTokenizer, tokenizerIsInGguf } from '../tokenizer/load-gguf-tokenizer.ts';
import { checkTokenizerJson } from '../tokenizer/tokenizer-json.ts';

export interface TextTokenizer {
  encode(text: string): number[];
  /** BOS id when the vocabulary adds BOS, else null. */
  bos: number | null;
  /** The end-of-generation token, where the model names one (a greedy continuation stops there). */
  eos: number | null;
}

/** The library's own words where it checked something; its TypeErrors mean a field of the wrong kind. */
function libraryReason(e: unknown): string {
  return e instanceof Error && e.constructor === Error ? e.message
    : 'a field of its normalizer, pre_tokenizer, post_processor or decoder holds a value of the wrong kind';
}

export async function loadTextTokenizer(files: ModelFiles): Promise<TextTokenizer> {
  if (tokenizerIsInGguf(files)) {
    const gguf = await loadGgufTokenizer(files);
    const bos = gguf.vocab.addBos ? gguf.vocab.bos : null;
    return { bos, eos: gguf.vocab.eos, encode: (text) => (bos === null ? gguf.encode(text, false) : [bos, ...gguf.encode(text, false)]) };
  }
  const jsonSource = files.open('tokenizer.json');
  if (!jsonSource) throw new Error(`${files.label}: tokenizer.json is missing (needed to tokenize the text)`);
  const file = `${files.label}/tokenizer.json`;
  const json = checkTokenizerJson(await readJson(jsonSource), file);
  const configSource = files.open('tokenizer_config.json');
  const config = configSource ? await readJson<Record<string, unknown>>(configSource) : {};
  if (!isPlainObject(config)) throw new Error(`${files.label}/tokenizer_config.json: must be a JSON object`);
  let tokenizer: Tokenizer;
  try {
    // The library iterates added_tokens unconditionally; the format allows leaving it out.
    tokenizer = new Tokenizer({ ...json, added_tokens: json.added_tokens ?? [] } as never, config as never);
  } catch (e) {
    // The tokenizer library reads the parts we do not (normalizer, pre-tokenizer, decoder...).
    throw new Error(`${file}: the tokenizer cannot be built from it (${libraryReason(e)})`);
  }
  const bosText = typeof config.bos_token === 'string' ? config.bos_token : (config.bos_token as { content?: string } | undefined)?.content;
  const bosId = bosText !== undefined ? tokenizer.token_to_id(bosText) : undefined;
  const addBos = config.add_bos_token === true;
  if (addBos && bosId === undefined) throw new Error(`${files.label}/tokenizer_config.json: add_bos_token is set but bos_token ${JSON.stringify(bosText)} is not in the vocabulary`);
  const bos = addBos ? bosId! : null;
  const eosText = typeof config.eos_token === 'string' ? config.eos_token : (config.eos_token as { content?: string } | undefined)?.content;
  const eos = eosText !== undefined ? tokenizer.token_to_id(eosText) ?? null : null;
  return {
    bos,
    eos,
    encode: (text) => {
      let ids: number[];
      try {
        ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      } catch (e) {
        throw new Error(`${file}: the tokenizer failed on the text (${libraryReason(e)})`);
      }
      return bos === null ? ids : [bos, ...ids];
    },
  };
}
