import { openAsBlob } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../core/model/plan-model.ts';
import { fileTypeSummary } from '../core/recipe/choose-types.ts';
import { blobModelFiles } from '../io/blob-files.ts';
import { clearTensorType, setBaseType, setTensorType } from './recipe-actions.ts';
import { useStudio } from './store.ts';

const STORIES = path.resolve(import.meta.dirname, '../../../shared/fixtures/stories260K');

beforeAll(async () => {
  const names = await readdir(STORIES);
  const entries = await Promise.all(names.map(async (n) => ({ path: n, blob: await openAsBlob(path.join(STORIES, n)) })));
  const plan = await planModel(blobModelFiles(entries, 'stories260K'));
  useStudio.setState({ source: { status: 'ready', label: 'stories260K', fileCount: names.length, plan, error: null } });
});

const recipe = () => useStudio.getState().recipe;

describe('recipe actions', () => {
  it('a base type change recomputes every type and the size in the same update', () => {
    setBaseType('Q8_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    expect(recipe().types!.get('blk.0.attn_norm.weight')).toBe('F32');
    // 172-wide rows cannot hold 32-blocks: llama.cpp's fallback is F16.
    expect(recipe().types!.get('blk.0.ffn_down.weight')).toBe('F16');
    const plan = useStudio.getState().source.plan!;
    expect(recipe().totalBytes).toBe(fileTypeSummary(plan, recipe().types!).totalBytes);
  });

  it('a per-tensor edit wins over the base type and clearing it restores the base', () => {
    setBaseType('F16');
    const before = recipe().totalBytes;
    setTensorType('blk.0.attn_q.weight', 'Q8_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    expect(recipe().types!.get('blk.1.attn_q.weight')).toBe('F16');
    expect(recipe().totalBytes).toBeLessThan(before);
    setBaseType('Q4_0');
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q8_0');
    clearTensorType('blk.0.attn_q.weight');
    expect(recipe().overrides).toEqual({});
    expect(recipe().types!.get('blk.0.attn_q.weight')).toBe('Q4_0');
  });
});
