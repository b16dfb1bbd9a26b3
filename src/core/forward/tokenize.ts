// Calibration and evaluation text -> token ids with the model's own tokenizer.json, BOS first
// when tokenizer_config.json's add_bos_token says so (llama.cpp's add_bos from the same field).
import { Tokenizer } from '@huggingface/tokenizers';
import { readJson, type ModelFiles } from '../bytes-io.ts';

export interface TextTokenizer {
  encode(text: string): number[];
  /** BOS id when the vocabulary adds BOS, else null. */
  bos: number | null;
}

export async function loadTextTokenizer(files: ModelFiles): Promise<TextTokenizer> {
  const jsonSource = files.open('tokenizer.json');
  if (!jsonSource) throw new Error(`${files.label}: tokenizer.json is missing (needed to tokenize the text)`);
  const json = await readJson<Record<string, unknown>>(jsonSource);
  const configSource = files.open('tokenizer_config.json');
  const config = configSource ? await readJson<Record<string, unknown>>(configSource) : {};
  const tokenizer = new Tokenizer(json as never, config as never);
  const bosText = typeof config.bos_token === 'string' ? config.bos_token : (config.bos_token as { content?: string } | undefined)?.content;
  const bosId = bosText !== undefined ? tokenizer.token_to_id(bosText) : undefined;
  const addBos = config.add_bos_token === true;
  if (addBos && bosId === undefined) throw new Error(`${files.label}/tokenizer_config.json: add_bos_token is set but bos_token ${JSON.stringify(bosText)} is not in the vocabulary`);
  const bos = addBos ? bosId! : null;
  return {
    bos,
    encode: (text) => {
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      return bos === null ? ids : [bos, ...ids];
    },
  };
}
