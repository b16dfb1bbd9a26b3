// measureSensitivity on stories260K (a real trained tiny Llama, rows of 64: the 32-block
// candidates an Apple/ARM user would restrict to): every candidate measured ('all'), sensible
// (more bits, less KL), JSON-serializable, cancellable; and the 'probe' shortcut (two measured
// types per tensor, the rest fitted from the weighted error) predicts the measured KLs.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARM_CANDIDATES } from '../../src/core/dynamic/candidate-types.ts';
import { allocateTypes } from '../../src/core/dynamic/allocate.ts';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeCosts } from '../../src/core/dynamic/fit-costs.ts';
import { measureSensitivity, mergeSensitivityShards, type MeasureSensitivityOptions } from '../../src/core/dynamic/measure-sensitivity.ts';
import { spearman } from '../../src/core/dynamic/rank-correlation.ts';
import { parseSensitivityTable, type SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { collectImatrix } from '../../src/core/imatrix/collect.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import type { NodeModelFiles } from '../../src/io/node-files.node.ts';
import { openPlannedModel } from '../helpers/planned-model.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';
import { splitHeldOut } from './tiny-workspace.ts';

let files: NodeModelFiles;
let options: MeasureSensitivityOptions;
let table: SensitivityTable;
const progress: number[] = [];

beforeAll(async () => {
  const opened = await openPlannedModel(STORIES260K);
  files = opened.files;
  const { plan, model, weights, tokenizer } = opened;
  const { calibration } = splitHeldOut(await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8'));
  const tokens = tokenizer.encode(calibration.slice(0, 20_000));
  const stats = await collectImatrix(model, weights, tokens, { contextSize: 64, maxChunks: 4, bos: tokenizer.bos });
  const imatrix = new Map([...stats.entries].map(([name, e]) => [name, e.sums.map((s) => s / e.count)]));
  const sequences = chunkTokens(tokens, { contextSize: 64, bos: tokenizer.bos }).slice(-3);
  options = {
    plan, model, weights, quantizer: cpuRowQuantizer, imatrix, sequences, candidates: ARM_CANDIDATES,
    key: { model: 'stories260K', calibration: 'seq', imatrix: 'im' }, measure: 'all',
    onProgress: (p) => progress.push(p.done / p.total),
  };
  table = await measureSensitivity(options);
}, 600_000);

afterAll(async () => {
  await files?.close();
});

describe('measureSensitivity', () => {
  it('measures every candidate of every quantizable tensor, more bits costing less KL', () => {
    expect(table.tensors.map((t) => t.name)).toContain('token_embd.weight');
    // ffn_down's rows of 172 fit no 32-block: it has no candidate (llama.cpp falls back to F16).
    expect(table.tensors).toHaveLength(1 + 5 * 6);
    expect(table.tensors.some((t) => t.name.endsWith('ffn_down.weight'))).toBe(false);
    expect(table.positions).toBe(3 * 32);
    for (const t of table.tensors) {
      for (const c of t.candidates) {
        expect(c.basis, `${t.name} ${c.type}`).toBe('measured');
        expect(c.measuredKld).toBeGreaterThanOrEqual(0);
      }
      const kld = (type: string) => t.candidates.find((c) => c.type === type)!.measuredKld!;
      expect(kld('Q8_0'), t.name).toBeLessThan(kld('Q5_1'));
      expect(kld('Q5_1'), t.name).toBeLessThan(kld('Q4_0'));
    }
    expect(progress.at(-1)).toBe(1);
  });

  it('survives JSON (the studio caches it)', () => {
    expect(parseSensitivityTable(JSON.stringify(table))).toEqual(table);
  });

  it('fits the unmeasured types from two probes: Spearman with the measured KLs', () => {
    const probed: SensitivityTable = structuredClone(table);
    for (const t of probed.tensors) {
      const keep = new Set([t.candidates[0]!.type, t.candidates[Math.floor((t.candidates.length - 1) / 2)]!.type]);
      for (const c of t.candidates) if (!keep.has(c.type)) delete c.measuredKld;
    }
    completeCosts(probed.tensors, 2);
    const fitted = probed.tensors.flatMap((t) => t.candidates.filter((c) => c.basis === 'fitted').map((c) => c.kld));
    const measured = table.tensors.flatMap((t, i) => t.candidates.filter((_, k) => probed.tensors[i]!.candidates[k]!.basis === 'fitted').map((c) => c.measuredKld!));
    const rho = spearman(fitted, measured);
    console.log(`probe fit vs measured KL over ${fitted.length} (tensor, type) pairs: Spearman ${rho.toFixed(3)}`);
    expect(rho).toBeGreaterThan(0.9);
  });

  it('allocates with it, the unfit rows falling back as llama.cpp does', () => {
    const a = allocateTypes({ plan: options.plan, table, target: { bitsPerWeight: 7.5 }, fileType: 0 });
    expect(a.types.get('blk.0.ffn_down.weight')).toBe('F16');
    expect(a.bitsPerWeight).toBeLessThanOrEqual(7.5);
    expect(new Set([...a.types.values()]).size).toBeGreaterThan(2);
  });

  it('measured in three shards (three workers) and merged, gives the same table', async () => {
    const shards = await Promise.all([0, 1, 2].map((index) => measureSensitivity({ ...options, onProgress: undefined, shard: { index, count: 3 } })));
    const names = shards.map((s) => s.tensors.map((t) => t.name));
    expect(names.every((n) => n.length > 0)).toBe(true);
    expect(new Set(names.flat()).size).toBe(table.tensors.length);
    expect(mergeSensitivityShards(options.plan, shards)).toEqual(table);
  }, 600_000);

  it("'layer': two types per tensor run through their own layer and read by the head, each layer's largest replayed and measured; ranks as measuring every type does", async () => {
    const layerTable = await measureSensitivity({ ...options, onProgress: undefined, measure: 'layer' });
    for (const t of layerTable.tensors) {
      const probes = [t.candidates[0]!, t.candidates[Math.floor((t.candidates.length - 1) / 2)]!];
      for (const c of t.candidates) {
        if (probes.includes(c)) expect(c.measuredKld ?? c.estimatedKld, `${t.name} ${c.type}`).toBeGreaterThanOrEqual(0);
        else expect(c.basis, `${t.name} ${c.type}`).toBe('fitted');
      }
    }
    // Per block layer: one measured (tensor, type), the calibration; the other probes estimated.
    for (let layer = 0; layer < options.plan.layerCount; layer++) {
      const costs = layerTable.tensors.filter((t) => t.layer === layer).flatMap((t) => t.candidates);
      expect(costs.filter((c) => c.basis === 'measured').length, `layer ${layer}`).toBe(1);
      expect(costs.filter((c) => c.basis === 'estimated').length, `layer ${layer}`).toBeGreaterThan(1);
    }
    const costs = (t: SensitivityTable) => t.tensors.flatMap((x) => x.candidates.map((c) => c.kld));
    const rho = spearman(costs(layerTable), costs(table));
    console.log(`'layer' vs every type measured over ${costs(table).length} (tensor, type) pairs: Spearman ${rho.toFixed(3)}`);
    expect(rho).toBeGreaterThan(0.9);
    const shards = await Promise.all([0, 1].map((index) => measureSensitivity({ ...options, onProgress: undefined, measure: 'layer', shard: { index, count: 2 } })));
    expect(mergeSensitivityShards(options.plan, shards)).toEqual(layerTable);
  }, 600_000);

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    await expect(measureSensitivity({ ...options, signal: controller.signal })).rejects.toThrow(/user cancelled/);
  });
});
