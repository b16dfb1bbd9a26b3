import { openAsBlob } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planModel } from '../core/model/plan-model.ts';
import { blobModelFiles } from '../io/blob-files.ts';
import { heatmapLayout, roleLabel } from './heatmap-layout.ts';

const STORIES = path.resolve(import.meta.dirname, '../../../shared/fixtures/stories260K');

async function storiesPlan() {
  const names = await readdir(STORIES);
  const entries = await Promise.all(
    names.map(async (n) => ({ path: `stories260K/${n}`, blob: await openAsBlob(path.join(STORIES, n)) })),
  );
  return planModel(blobModelFiles(entries));
}

describe('heatmapLayout (stories260K, planned from Blobs as in the worker)', () => {
  it('puts one row per block and one column per block role, in data-flow order', async () => {
    const layout = heatmapLayout(await storiesPlan());
    expect(layout.columns).toEqual([
      'attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down',
    ]);
    expect(layout.rows.map((r) => r.layer)).toEqual([0, 1, 2, 3, 4]);
    expect(layout.rows[3]!.cells.map((t) => t?.ggufName)).toContain('blk.3.ffn_down.weight');
    expect(layout.rows.every((r) => r.cells.every((t, i) => t?.role === layout.columns[i]))).toBe(true);
    expect(layout.groups).toEqual([{ label: 'attention', span: 5 }, { label: 'ffn', span: 4 }]);
  });

  it('keeps tensors outside the blocks in their own strip', async () => {
    const layout = heatmapLayout(await storiesPlan());
    expect(layout.globals.map((t) => t.ggufName)).toEqual(['token_embd.weight', 'output_norm.weight']);
    const cellCount = layout.rows.reduce((n, r) => n + r.cells.filter(Boolean).length, 0);
    expect(cellCount + layout.globals.length).toBe(47);
  });

  it('labels columns briefly', async () => {
    expect(roleLabel('attn_q')).toBe('Q');
    expect(roleLabel('ffn_down')).toBe('down');
    expect(heatmapLayout(await storiesPlan()).labels).toEqual(['attn norm', 'Q', 'K', 'V', 'attn out', 'ffn norm', 'gate', 'up', 'down']);
  });

  it('labels a dense ffn_up without an ffn_gate (Phi-3\'s fused gate and up) as both', async () => {
    const plan = await storiesPlan();
    const fused = { ...plan, tensors: plan.tensors.filter((t) => t.role !== 'ffn_gate') };
    const layout = heatmapLayout(fused);
    expect(layout.labels[layout.columns.indexOf('ffn_up')]).toBe('gate|up');
  });
});
