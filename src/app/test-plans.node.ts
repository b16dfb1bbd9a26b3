// Plans of the shared fixtures, made from Blobs exactly as the worker makes them (tests only).
import { openAsBlob } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { planModel } from '../core/model/plan-model.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { blobModelFiles } from '../io/blob-files.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures');

export async function fixturePlan(folder: 'stories260K' | 'tiny-llama-10m'): Promise<ModelPlan> {
  const dir = path.join(FIXTURES, folder);
  const names = (await readdir(dir)).filter((n) => !n.endsWith('.gguf') && n !== 'README.md');
  const entries = await Promise.all(names.map(async (n) => ({ path: n, blob: await openAsBlob(path.join(dir, n)) })));
  return planModel(blobModelFiles(entries, folder));
}
