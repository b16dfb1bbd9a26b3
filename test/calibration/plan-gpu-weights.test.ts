// What the GPU forward gets for a safetensors model, without a GPU: BF16 matrices as their stored
// halves whose values (Q/K rows permuted as raw rows) are exactly planWeights' float32 values;
// norms as f32; and a sensitivity probe over those weights sends only its replaced tensor as f32.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReplaced } from '../../src/core/dynamic/backend-log-probs.ts';
import { bf16ToF32Array } from '../../src/core/float16.ts';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import type { ModelPlan } from '../../src/core/model/plan-types.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import type { GpuWeightSource } from '../../src/gpu/forward/gpu-weights.ts';
import { planGpuWeights, storedUnlessReplaced } from '../../src/gpu/forward/plan-gpu-weights.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { TINY_LLAMA_10M } from '../helpers/paths.ts';

let files: NodeModelFiles;
let plan: ModelPlan;
let model: ForwardModel;
let weights: WeightSource;
let stored: GpuWeightSource;

beforeAll(async () => {
  files = await nodeModelFiles(TINY_LLAMA_10M);
  plan = await planModel(files);
  model = forwardModelFromPlan(plan);
  weights = planWeights(plan, files);
  stored = planGpuWeights(plan, files, weights);
});

afterAll(async () => {
  await files?.close();
});

describe('planGpuWeights on tiny-llama-10m (BF16 safetensors)', () => {
  it('gives every layer matrix as BF16 halves equal to planWeights\' values, Q and K permuted', async () => {
    const names = [...model.tensors.keys()].filter((n) => n.startsWith('blk.0.') || n.startsWith('blk.3.'));
    expect(names).toContain('blk.0.attn_q.weight');
    expect(plan.tensors.find((t) => t.ggufName === 'blk.0.attn_q.weight')?.transform.kind).toBe('permute-qk');
    for (const name of names) {
      const t = model.tensors.get(name)!;
      const got = await stored(t);
      const want = await weights(t);
      if (t.ne.length === 1) {
        expect(got.kind, name).toBe('f32');
        continue;
      }
      expect(got.kind === 'quantized' && got.type, name).toBe('BF16');
      if (got.kind !== 'quantized') continue;
      expect(got.bytes.length, name).toBe(want.length * 2);
      const values = bf16ToF32Array(new Uint16Array(got.bytes.slice().buffer));
      expect(values.every((v, i) => Object.is(v, want[i])), name).toBe(true);
    }
  });

  it('a probe replacing one tensor gets f32 for it and stored halves for the rest; other sources get none', async () => {
    const q = model.tensors.get('blk.1.attn_q.weight')!;
    const k = model.tensors.get('blk.1.attn_k.weight')!;
    const replacement = new Float32Array(q.ne[0]! * q.ne[1]!).fill(0.5);
    const probe = storedUnlessReplaced(withReplaced(weights, new Map([[q.ggufName, replacement]])), weights, stored)!;
    expect(await probe(q)).toEqual({ kind: 'f32', values: replacement });
    expect((await probe(k)).kind).toBe('quantized');
    expect(storedUnlessReplaced(weights, weights, stored)).toBe(stored);
    const other: WeightSource = (t) => weights(t);
    expect(storedUnlessReplaced(other, weights, stored)).toBeUndefined();
    expect(storedUnlessReplaced(withReplaced(other, new Map()), weights, stored)).toBeUndefined();
  });
});
