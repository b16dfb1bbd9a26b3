// Plans of the shared fixtures, made from Blobs exactly as the worker makes them (tests only).
import { openAsBlob } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { planModel } from '../core/model/plan-model.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { blobModelFiles, type NamedBlob } from '../io/blob-files.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures');

/** A fixture folder's Hugging Face files (not the reference GGUF beside them) as the page has them. */
export async function fixtureEntries(folder: 'stories260K' | 'tiny-llama-10m'): Promise<NamedBlob[]> {
  const dir = path.join(FIXTURES, folder);
  const names = (await readdir(dir)).filter((n) => !n.endsWith('.gguf') && n !== 'README.md');
  return Promise.all(names.map(async (n) => ({ path: n, blob: await openAsBlob(path.join(dir, n)) })));
}

export async function fixturePlan(folder: 'stories260K' | 'tiny-llama-10m'): Promise<ModelPlan> {
  return planModel(blobModelFiles(await fixtureEntries(folder), folder));
}
