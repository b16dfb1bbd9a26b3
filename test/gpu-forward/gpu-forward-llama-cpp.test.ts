// The WGSL forward against llama.cpp itself (node-llama-cpp's CPU build) on the same F32 GGUF of
// stories260K: next-token probabilities within 1e-3 at every position, with an F32 KV cache
// (exact float32 model) and with llama.cpp's default F16 KV cache (emulated by the f16 variant).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { createGpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { exportModelFolder } from '../helpers/export-node.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let dir: string;
let ggufPath: string;
let files: NodeModelFiles;
let tokens: number[];
let device: GPUDevice;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gpu-forward-llama-'));
  ggufPath = path.join(dir, 'stories260K-F32.gguf');
  await exportModelFolder(STORIES260K, ggufPath, 'F32');
  files = await nodeModelFiles(STORIES260K);
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  tokens = (await loadTextTokenizer(files)).encode(text.slice(0, 3000)).slice(0, 120);
  device = await createTestDevice();
});

afterAll(async () => {
  device?.destroy();
  await files?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

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

async function gpuDistributions(kvCache: 'f32' | 'f16'): Promise<Float32Array[]> {
  const plan = await planModel(files);
  const gpu = createGpuForward(device);
  const out: Float32Array[] = [];
  await gpu.run(forwardModelFromPlan(plan), planWeights(plan, files), {
    sequences: [tokens],
    kvCache,
    onLogits: (_s, _p, logits) => {
      let max = -Infinity;
      for (const l of logits) max = Math.max(max, l);
      let sum = 0;
      for (const l of logits) sum += Math.exp(l - max);
      out.push(logits.map((l) => Math.exp(l - max) / sum));
    },
  });
  gpu.dispose();
  return out;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  for (let p = 0; p < a.length; p++) for (let i = 0; i < a[p]!.length; i++) max = Math.max(max, Math.abs(a[p]![i]! - b[p]![i]!));
  return max;
}

describe('GPU forward vs llama.cpp on stories260K (F32 GGUF)', () => {
  it('next-token distributions within 1e-3 at every position, F32 and F16 KV cache', async () => {
    for (const kv of ['F32', 'F16'] as const) {
      const theirs = await llamaDistributions(kv);
      const ours = await gpuDistributions(kv === 'F32' ? 'f32' : 'f16');
      expect(ours.length).toBe(tokens.length);
      expect(theirs.length).toBe(tokens.length);
      const diff = maxAbsDiff(ours, theirs);
      expect(diff, `${kv} KV: max |Δp| ${diff}`).toBeLessThan(1e-3);
    }
    expect(uncapturedGpuErrors).toEqual([]);
  });
});
