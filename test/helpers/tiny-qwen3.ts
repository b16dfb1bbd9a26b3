// test/fixtures/tiny-qwen3 holds only what the project trained (weights, config); its tokenizer
// is stories260K's, which stays in ../shared. This puts the two together as one Hugging Face folder.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { copyTokenizer } from './generate-model.ts';
import { STORIES260K, TINY_QWEN3_WEIGHTS } from './paths.ts';

/** Assembles tiny-qwen3's Hugging Face folder under `parent` and returns its path. */
export async function tinyQwen3Folder(parent: string): Promise<string> {
  const folder = path.join(parent, 'tiny-qwen3');
  await mkdir(folder, { recursive: true });
  for (const f of ['model.safetensors', 'config.json', 'generation_config.json']) await copyFile(path.join(TINY_QWEN3_WEIGHTS, f), path.join(folder, f));
  await copyTokenizer(STORIES260K, folder);
  return folder;
}
