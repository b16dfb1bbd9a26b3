// The CPU reference forward against llama.cpp itself (node-llama-cpp's CPU build) on the same
// F32 GGUF: next-token probabilities equal at every position, from the safetensors and from
// the GGUF alike.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { runForward } from '../../src/core/forward/run-forward.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { NodeFileSource, nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { exportModelFolder } from '../helpers/export-node.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let dir: string;
let ggufPath: string;
let files: NodeModelFiles;
let tokens: number[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'forward-'));
  ggufPath = path.join(dir, 'stories260K-F32.gguf');
  await exportModelFolder(STORIES260K, ggufPath, 'F32');
  files = await nodeModelFiles(STORIES260K);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  tokens = (await loadTextTokenizer(files)).encode(text.slice(0, 3000)).slice(0, 200);
});

afterAll(async () => {
  await files?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function ourDistributions(model: ForwardModel, weights: WeightSource, sequences: number[][], kvCache: 'f32' | 'f16' = 'f32'): Promise<Float32Array[][]> {
  const out: Float32Array[][] = sequences.map(() => []);
  await runForward(model, weights, {
    sequences,
    kvCache,
    onLogits: (s, _pos, logits) => {
      let max = -Infinity;
      for (const l of logits) max = Math.max(max, l);
      let sum = 0;
      for (const l of logits) sum += Math.exp(l - max);
      out[s]!.push(logits.map((l) => Math.exp(l - max) / sum));
    },
  });
  return out;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  for (let p = 0; p < a.length; p++) for (let i = 0; i < a[p]!.length; i++) max = Math.max(max, Math.abs(a[p]![i]! - b[p]![i]!));
  return max;
}

/** llama.cpp's next-token distributions with a chosen KV cache type, flash attention off. */
async function llamaDistributions(kv: 'F32' | 'F16'): Promise<Float32Array[]> {
  const llama = await getOfflineLlama();
  const model = await llama.loadModel({ modelPath: ggufPath });
  try {
    const context = await model.createContext({
      contextSize: 256, batchSize: 256, flashAttention: false,
      experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv,
    });
    const results = await context.getSequence().controlledEvaluate(tokens.map((t) => [t, { generateNext: { probabilities: true } }]) as never);
    await context.dispose();
    return (results as Array<{ next?: { probabilities?: Map<number, number> } }>).map((r, i) => {
      if (!r.next?.probabilities) throw new Error(`llama.cpp gave no probabilities at position ${i}`);
      const out = new Float32Array(512);
      for (const [t, p] of r.next.probabilities) out[t] = p;
      return out;
    });
  } finally {
    await model.dispose();
  }
}

describe('CPU forward vs llama.cpp on stories260K (F32 weights)', () => {
  it('equals llama.cpp with an F32 KV cache within 1e-3 (in fact 1e-5) at every position', async () => {
    expect(tokens.length).toBe(200);
    const theirs = await llamaDistributions('F32');
    const plan = await planModel(files);
    // Two sequences in one pass: the second (a shorter prefix) must not see the first.
    const [ours, prefix] = await ourDistributions(forwardModelFromPlan(plan), planWeights(plan, files), [tokens, tokens.slice(0, 50)]);
    expect(ours!.length).toBe(tokens.length);
    const diff = maxAbsDiff(ours!, theirs);
    expect(diff, `max |Δp| ${diff}`).toBeLessThan(1e-5);
    expect(maxAbsDiff(prefix!, ours!.slice(0, 50))).toBeLessThan(1e-6);
    // Not vacuous: the model is far from uniform and its predictions move with the context.
    expect(Math.max(...theirs[100]!)).toBeGreaterThan(0.2);
    expect(maxAbsDiff([theirs[100]!], [theirs[101]!])).toBeGreaterThan(0.05);
  });

  it("emulates llama.cpp's default F16 KV cache within 1e-3", async () => {
    const theirs = await llamaDistributions('F16');
    const plan = await planModel(files);
    const [ours] = await ourDistributions(forwardModelFromPlan(plan), planWeights(plan, files), [tokens], 'f16');
    const [exact] = await ourDistributions(forwardModelFromPlan(plan), planWeights(plan, files), [tokens], 'f32');
    expect(maxAbsDiff(ours!, theirs)).toBeLessThan(1e-3);
    // …and the emulation is what brings it there: the exact float32 forward is further away.
    expect(maxAbsDiff(exact!, theirs)).toBeGreaterThan(maxAbsDiff(ours!, theirs));
  });

  it('runs the same from the exported GGUF as from the safetensors', async () => {
    const source = new NodeFileSource('stories260K-F32.gguf', ggufPath, (await import('node:fs')).statSync(ggufPath).size);
    try {
      const info = await readGgufInfo(source);
      const plan = await planModel(files);
      const fromGguf = await ourDistributions(forwardModelFromGguf(info, 'stories260K-F32.gguf'), await ggufWeights(source, info), [tokens.slice(0, 64)]);
      const fromPlan = await ourDistributions(forwardModelFromPlan(plan), planWeights(plan, files), [tokens.slice(0, 64)]);
      expect(maxAbsDiff(fromGguf[0]!, fromPlan[0]!)).toBe(0);
    } finally {
      await source.close();
    }
  });
});
