// tiny-llama-10m: bf16 weights, Mistral's 32000-token vocabulary, GQA 4/2, head_dim 64.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../../src/core/model/plan-types.ts';
import { readTensorF32 } from '../../../src/core/model/tensor-values.ts';
import { nodeModelFiles } from '../../helpers/node-model-files.ts';
import { TINY_LLAMA_10M } from '../../helpers/paths.ts';

let files: Awaited<ReturnType<typeof nodeModelFiles>>;
let plan: ModelPlan;
beforeAll(async () => {
  files = await nodeModelFiles(TINY_LLAMA_10M);
  plan = await planModel(files);
});
afterAll(() => files.close());

describe('planModel(tiny-llama-10m)', () => {
  it('plans 38 tensors with roles and ggml shapes, no output.weight (tied)', () => {
    expect(plan.tensors).toHaveLength(2 + 4 * 9);
    expect(plan.tensors.some((t) => t.role === 'output')).toBe(false);
    const shapes = Object.fromEntries(plan.tensors.filter((t) => t.layer === null || t.layer === 1).map((t) => [t.ggufName, [t.role, t.ne, t.source.dtype]]));
    expect(shapes).toEqual({
      'token_embd.weight': ['token_embd', [256, 32000], 'BF16'],
      'output_norm.weight': ['output_norm', [256], 'BF16'],
      'blk.1.attn_norm.weight': ['attn_norm', [256], 'BF16'],
      'blk.1.attn_q.weight': ['attn_q', [256, 256], 'BF16'],
      'blk.1.attn_k.weight': ['attn_k', [256, 128], 'BF16'],
      'blk.1.attn_v.weight': ['attn_v', [256, 128], 'BF16'],
      'blk.1.attn_output.weight': ['attn_output', [256, 256], 'BF16'],
      'blk.1.ffn_norm.weight': ['ffn_norm', [256], 'BF16'],
      'blk.1.ffn_gate.weight': ['ffn_gate', [256, 512], 'BF16'],
      'blk.1.ffn_up.weight': ['ffn_up', [256, 512], 'BF16'],
      'blk.1.ffn_down.weight': ['ffn_down', [512, 256], 'BF16'],
    });
    expect(plan.tensors.find((t) => t.ggufName === 'blk.1.attn_k.weight')!.transform).toEqual({ kind: 'permute-qk', heads: 2 });
  });

  it('writes Mistral vocabulary metadata: llama model, 32000 tokens, byte tokens typed BYTE', () => {
    const kv = (key: string) => plan.metadata.find((k) => k.key === key)?.value;
    expect(kv('tokenizer.ggml.model')).toEqual({ type: 'string', value: 'llama' });
    const tokens = kv('tokenizer.ggml.tokens') as unknown as { value: string[] };
    const types = kv('tokenizer.ggml.token_type') as unknown as { value: Int32Array };
    expect(tokens.value).toHaveLength(32000);
    expect([tokens.value[0], tokens.value[1], tokens.value[2], tokens.value[3 + 0x41]]).toEqual(['<unk>', '<s>', '</s>', '<0x41>']);
    expect([types.value[0], types.value[1], types.value[2], types.value[3 + 0x41], types.value[1000]]).toEqual([2, 3, 3, 6, 1]);
    expect(kv('llama.rope.dimension_count')).toEqual({ type: 'u32', value: 64 });
    expect(kv('llama.attention.head_count_kv')).toEqual({ type: 'u32', value: 2 });
    expect(kv('general.size_label')).toEqual({ type: 'string', value: '11M' });
  });

  it('decodes BF16 weights to float32 (every value a bf16: low 16 bits zero)', async () => {
    const q = plan.tensors.find((t) => t.ggufName === 'blk.0.attn_q.weight')!;
    const values = await readTensorF32(q, files);
    expect(values).toHaveLength(256 * 256);
    expect(new Uint32Array(values.buffer).every((u) => (u & 0xffff) === 0)).toBe(true);
    expect(values.some((v) => v !== 0)).toBe(true);
  });
});
