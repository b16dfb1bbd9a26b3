// The fast sensitivity ('layer': one type per tensor, its KL estimated from the change to its own
// layer's output with a per-layer, per-kind gain calibrated by one replayed measurement) against
// measuring every candidate ('all'), on trained models measured by llama.cpp itself: the tables
// rank the candidates alike (Spearman ≥ 0.9 over every tensor and type), and the recipes built
// from each at two sizes have mean KLDs (llama-perplexity on held-out text) within 10%.
// - tiny-llama-10m: K-quant and i-quant candidates, at Q3_K_M's and Q4_K_M's sizes;
// - stories260K (rows of 64: only the 32-element block types fit; its F32 norms and F16 ffn_down
//   put the smallest file at 7.0 bits per weight), at 7.4 and 8.2 bits per weight.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spearman } from '../../src/core/dynamic/rank-correlation.ts';
import { parseSensitivityTable, type SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { STORIES260K, TINY_LLAMA_10M } from '../helpers/paths.ts';
import { dynamicFile, llamaKld, prepareTinyWorkspace, type TinyWorkspace } from './tiny-workspace.ts';

const MEASURE = ['--ctx', '128', '--chunks', '3'];

interface Fixture { name: string; model: string; extra: string[]; targets: [string, string[]][] }

const FIXTURES: Fixture[] = [
  { name: 'tiny-llama-10m', model: TINY_LLAMA_10M, extra: [], targets: [['Q3_K_M', ['--target-mix', 'Q3_K_M']], ['Q4_K_M', ['--target-mix', 'Q4_K_M']]] },
  { name: 'stories260K', model: STORIES260K, extra: ['--candidates', 'Q4_0,Q4_1,Q5_0,Q5_1,Q8_0'], targets: [['7.4 bpw', ['--target-bpw', '7.4']], ['8.2 bpw', ['--target-bpw', '8.2']]] },
];

let work: string;
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every (tensor, type) cost of `a`, and the same of `b`, in one order. */
function pairedCosts(a: SensitivityTable, b: SensitivityTable): [number[], number[]] {
  const other = new Map(b.tensors.flatMap((t) => t.candidates.map((c) => [`${t.name} ${c.type}`, c.kld] as const)));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const t of a.tensors) for (const c of t.candidates) {
    const y = other.get(`${t.name} ${c.type}`);
    if (y !== undefined) { xs.push(c.kld); ys.push(y); }
  }
  return [xs, ys];
}

describe.each(FIXTURES)('fast sensitivity against every candidate measured: $name', (fixture) => {
  const results = new Map<string, { all: number; layer: number }>();
  const tables: Partial<Record<'all' | 'layer', SensitivityTable>> = {};

  it('measures both tables and the four recipes', async () => {
    work ??= await mkdtemp(path.join(tmpdir(), 'fast-sensitivity-'));
    const base = path.join(work, fixture.name);
    await mkdir(base, { recursive: true });
    const ws: TinyWorkspace = await prepareTinyWorkspace(base, fixture.model);
    for (const mode of ['all', 'layer'] as const) {
      // Each mode keeps its own sensitivity cache (the workspace folder holds it).
      const modeWs = { ...ws, dir: path.join(base, mode) };
      await mkdir(modeWs.dir, { recursive: true });
      for (const [label, target] of fixture.targets) {
        const started = performance.now();
        const file = await dynamicFile(modeWs, label.replace(/\W+/g, '-'), target, [...MEASURE, ...fixture.extra, '--measure', mode]);
        const seconds = (performance.now() - started) / 1000;
        const kld = (await llamaKld(ws, file.gguf)).kld;
        const row = results.get(label) ?? { all: NaN, layer: NaN };
        row[mode] = kld;
        results.set(label, row);
        console.log(`${fixture.name} ${mode} @ ${label}: plan+quantize ${seconds.toFixed(1)} s, mean KLD ${kld}`);
      }
      tables[mode] = parseSensitivityTable(await readFile(path.join(modeWs.dir, 'sensitivity.json'), 'utf8'));
    }
  }, 3_600_000);

  it('ranks every tensor and type as measuring all of them does (Spearman ≥ 0.9)', () => {
    const [xs, ys] = pairedCosts(tables.all!, tables.layer!);
    expect(xs.length).toBeGreaterThan(20);
    const rho = spearman(xs, ys);
    console.log(`${fixture.name}: Spearman(all, layer) over ${xs.length} costs: ${rho.toFixed(3)}`);
    expect(rho).toBeGreaterThanOrEqual(0.9);
  });

  it('builds recipes within 10% of the mean KLD of the full table’s', () => {
    expect(results.size).toBe(2);
    for (const [label, { all, layer }] of results) {
      console.log(`${fixture.name} @ ${label}: mean KLD all ${all}, layer ${layer} (${(100 * (layer / all - 1)).toFixed(1)}%)`);
      expect(layer, label).toBeLessThanOrEqual(1.1 * all);
    }
  });
});
