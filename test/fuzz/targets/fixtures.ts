// Inputs the targets start from: small files written by the project's own writers, and the
// stories260K folder read once into memory.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelFiles } from '../../../src/core/bytes-io.ts';
import { memoryModelFiles } from '../../helpers/memory-files.ts';
import { STORIES260K } from '../../helpers/paths.ts';

const STORIES_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'] as const;

export interface StoriesFolder {
  json: Record<'config.json' | 'generation_config.json' | 'tokenizer.json' | 'tokenizer_config.json', Record<string, unknown>>;
  safetensors: Uint8Array;
}

let stories: Promise<StoriesFolder> | undefined;

export function storiesFolder(): Promise<StoriesFolder> {
  stories ??= (async () => {
    const read = await Promise.all(STORIES_FILES.map((f) => readFile(path.join(STORIES260K, f))));
    const text = (i: number) => JSON.parse(read[i]!.toString('utf8')) as Record<string, unknown>;
    return {
      json: { 'config.json': text(0), 'generation_config.json': text(1), 'tokenizer.json': text(2), 'tokenizer_config.json': text(3) },
      safetensors: new Uint8Array(read[4]!),
    };
  })();
  return stories;
}

/** stories260K with some of its JSON files replaced by the given texts. */
export function storiesWith(folder: StoriesFolder, replaced: Partial<Record<keyof StoriesFolder['json'], string>>): ModelFiles {
  const files: Record<string, Uint8Array | string | object> = { 'model.safetensors': folder.safetensors };
  for (const [name, json] of Object.entries(folder.json)) files[name] = replaced[name as keyof StoriesFolder['json']] ?? json;
  return memoryModelFiles('stories260K', files);
}
