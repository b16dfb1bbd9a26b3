import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

/** The model's own tokenizer (tokenizer.json + tokenizer_config.json), as transformers runs it. */
export async function loadHfTokenizer(dir: string): Promise<Tokenizer> {
  const json = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8').catch(() => '{}'));
  return new Tokenizer(json, config);
}
