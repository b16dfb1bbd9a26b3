// Dynamic recipes against llama.cpp's mixes on a mixture-of-experts model with a trained model's
// structure: tiny-llama-10m upcycled into Granite 3 MoE (16 experts per layer, 2 per token, each
// expert the trained FFN with 30% noise of its own; test/helpers/upcycle-moe.ts says why this
// stands in for a trained MoE: its held-out perplexity is the dense model's, 122.6 against 122.3).
// Same procedure as dynamic-vs-mixes.test.ts: llama-imatrix on the calibration part (per-expert
// counts), llama-quantize's Q3_K_M/Q4_K_M with it (with their expert rules), `quant-studio plan
// --target-mix MIX` + `quantize --recipe`, llama-perplexity --kl-divergence against the BF16
// export on the held-out tail. The stacked expert tensors are measured and allocated as one unit
// each, the router stays F32. The dynamic file must be no larger and its mean KLD at least 20%
// lower, the issue's target (measured 44.8% at Q3_K_M's size, 0.00159 -> 0.000877, and 70.6% at
// Q4_K_M's, 0.000755 -> 0.000222).
// Why 16 experts: llama-quantize has rules for exactly 8 (Mixtral's count: attn_v and attn_k to
// Q8_0, attn_output to Q5_K), which the MoEs people quantize today (32 to 128 experts) do not get.
// With 8 experts the same stand-in measured 52% lower at Q4_K_M's size but only 1.3% at Q3_K_M's
// (0.000906 -> 0.000894): the mix's extra attention bits leave the recipe little to find there.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import type { MixName } from '../../src/core/recipe/mix-names.ts';
import { readGguf } from '../helpers/gguf-read.ts';
import { TINY_LLAMA_10M } from '../helpers/paths.ts';
import { upcycleToGraniteMoe } from '../helpers/upcycle-moe.ts';
import { dynamicFile, expectDynamicBeatsMix, llamaKld, llamaMix, prepareTinyWorkspace, type KldFigures } from './tiny-workspace.ts';

const WORKSPACE = { ctx: 256, imatrixChunks: 16, evalChunks: 24 };
const MEASURE = ['--ctx', '128', '--chunks', '3'];
const COMPARED: MixName[] = ['Q3_K_M', 'Q4_K_M'];
/** The fraction by which the dynamic recipe's mean KLD must undercut the mix's. */
const REQUIRED_REDUCTION: Record<string, number> = { Q3_K_M: 0.2, Q4_K_M: 0.2 };

interface Row { name: string; bytes: number; measured: KldFigures; routerType: string | undefined }
const rows: Row[] = [];
let work: string;
let measuredTensors: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'dynamic-vs-mixes-moe-'));
  const model = path.join(work, 'tiny-moe');
  await upcycleToGraniteMoe(TINY_LLAMA_10M, model, { experts: 16, used: 2, noise: 0.3, seed: 5 });
  const ws = await prepareTinyWorkspace(work, model, WORKSPACE);
  for (const mix of COMPARED) {
    const mixFile = await llamaMix(ws, mix);
    const routerType = async (file: string) => (await readGguf(file)).tensor('blk.0.ffn_gate_inp.weight')?.type;
    rows.push({ name: mix, bytes: (await stat(mixFile)).size, measured: await llamaKld(ws, mixFile), routerType: await routerType(mixFile) });
    const d = await dynamicFile(ws, mix, ['--target-mix', mix], MEASURE);
    rows.push({ name: `dynamic@${mix}`, bytes: (await stat(d.gguf)).size, measured: await llamaKld(ws, d.gguf), routerType: await routerType(d.gguf) });
  }
  measuredTensors = parseSensitivityTable(await readFile(path.join(work, 'sensitivity.json'), 'utf8')).tensors.map((t) => t.name);
  console.log(rows.map((r) => `${r.name.padEnd(16)} ${String(r.bytes).padStart(9)} B  KLD ${r.measured.kld.toFixed(6)}  same top ${(100 * r.measured.sameTop).toFixed(2)}%`).join('\n'));
}, 1_800_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('dynamic recipes against llama.cpp mixes on an upcycled MoE (tiny-llama-10m, 16 experts)', () => {
  it('the stacked experts are measured as one tensor each, the router not at all', () => {
    expect(measuredTensors).toContain('blk.0.ffn_down_exps.weight');
    expect(measuredTensors).toContain('blk.3.ffn_gate_exps.weight');
    expect(measuredTensors.some((n) => n.includes('ffn_gate_inp'))).toBe(false);
    expect(rows.map((r) => r.routerType)).toEqual(rows.map(() => 'F32'));
  });

  for (const mix of COMPARED) {
    const required = REQUIRED_REDUCTION[mix]!;
    it(`at ${mix}'s size: no larger, mean KLD ${required > 0 ? `at least ${100 * required}% lower` : 'lower'}`, () => expectDynamicBeatsMix('MoE ', rows, mix, required));
  }
});
