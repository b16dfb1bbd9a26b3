// Dynamic recipes against llama.cpp's mixes on tiny-llama-10m, measured by llama.cpp itself:
// size, mean KL divergence and same-top-token % on the held-out TinyStories tail
// (llama-perplexity --kl-divergence against the BF16 export), and our predicted KL.
//   node --import ./bin/register-ts.mjs bench/dynamic-table.ts [--chunks N] [--ctx N] [--keep]
// The sensitivity is measured once (`quant-studio plan`, cached in the work folder) and reused
// for every dynamic row.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { predictKld } from '../src/core/dynamic/predict.ts';
import { spearman } from '../src/core/dynamic/rank-correlation.ts';
import { parseSensitivityTable } from '../src/core/dynamic/sensitivity-types.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import { chooseMixTypes } from '../src/core/recipe/llama-mixes.ts';
import type { MixName } from '../src/core/recipe/mix-names.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';
import { TINY_LLAMA_10M } from '../test/helpers/paths.ts';
import { dynamicFile, llamaKld, llamaMix, prepareTinyWorkspace, type KldFigures } from '../test/dynamic/tiny-workspace.ts';

const { values } = parseArgs({ options: { chunks: { type: 'string' }, ctx: { type: 'string' }, keep: { type: 'boolean' } } });
const measure = ['--ctx', values.ctx ?? '128', '--chunks', values.chunks ?? '3'];
const MIXES: MixName[] = ['Q3_K_S', 'Q3_K_M', 'Q3_K_L', 'IQ4_XS', 'Q4_K_S', 'Q4_K_M', 'Q5_K_S', 'Q5_K_M', 'Q6_K'];
const MATCHED: MixName[] = ['Q3_K_M', 'Q4_K_M', 'Q5_K_M'];

const work = await mkdtemp(path.join(tmpdir(), 'dynamic-table-'));
try {
  const started = performance.now();
  const ws = await prepareTinyWorkspace(work);
  const files = await nodeModelFiles(TINY_LLAMA_10M);
  const plan = await planModel(files).finally(() => files.close());
  const rows: { name: string; bytes: number; k: KldFigures; predicted: number }[] = [];
  for (const mix of MATCHED) {
    const t = performance.now();
    const d = await dynamicFile(ws, mix, ['--target-mix', mix], measure);
    process.stderr.write(`dynamic@${mix}: plan + quantize ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    rows.push({ name: `dynamic @ ${mix}`, bytes: (await stat(d.gguf)).size, k: await llamaKld(ws, d.gguf), predicted: d.recipe.predictedKld! });
  }
  const table = parseSensitivityTable(await readFile(path.join(ws.dir, 'sensitivity.json'), 'utf8'));
  for (const bpw of ['5.0', '7.0']) {
    const d = await dynamicFile(ws, `bpw${bpw}`, ['--target-bpw', bpw], measure);
    rows.push({ name: `dynamic @ ${bpw} bpw`, bytes: (await stat(d.gguf)).size, k: await llamaKld(ws, d.gguf), predicted: d.recipe.predictedKld! });
  }
  for (const mix of MIXES) {
    const file = await llamaMix(ws, mix);
    rows.push({ name: mix, bytes: (await stat(file)).size, k: await llamaKld(ws, file), predicted: predictKld(table, chooseMixTypes(plan, { mix, hasImatrix: true })) });
  }
  rows.sort((a, b) => a.bytes - b.bytes);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log(line(['file', 'bytes', 'mean KLD', 'same top %', 'PPL', 'predicted KLD']));
  console.log(line(['---', '---:', '---:', '---:', '---:', '---:']));
  for (const r of rows) console.log(line([r.name, String(r.bytes), r.k.kld.toFixed(6), (100 * r.k.sameTop).toFixed(2), r.k.ppl.toFixed(3), r.predicted.toExponential(3)]));
  console.log('');
  for (const mix of MATCHED) {
    const m = rows.find((r) => r.name === mix)!;
    const d = rows.find((r) => r.name === `dynamic @ ${mix}`)!;
    console.log(`at ${mix}'s size (${m.bytes} B, dynamic ${d.bytes} B): mean KLD ${(100 * (1 - d.k.kld / m.k.kld)).toFixed(1)}% lower`);
  }
  console.log(`Spearman(predicted, measured mean KLD) over ${rows.length} files: ${spearman(rows.map((r) => r.predicted), rows.map((r) => r.k.kld)).toFixed(3)}`);
  console.log(`(sensitivity on ${table.positions} positions, measure=${table.key.measure}; total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
} finally {
  if (values.keep) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
