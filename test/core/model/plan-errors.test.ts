// planModel on small in-memory folders: each broken input gives its own error.
import { describe, expect, it } from 'vitest';
import { planModel } from '../../../src/core/model/plan-model.ts';
import { permuteQk } from '../../../src/core/model/tensor-values.ts';
import { sortTensorsLikeLlamaQuantize } from '../../../src/core/model/tensor-order.ts';
import { memoryModelFiles, safetensorsBytes } from '../../helpers/memory-files.ts';

const H = 8, FF = 16, V = 4;
const config = {
  architectures: ['MistralForCausalLM'], hidden_size: H, intermediate_size: FF, num_hidden_layers: 1,
  num_attention_heads: 2, num_key_value_heads: 1, vocab_size: V, rms_norm_eps: 1e-6, rope_theta: 1e6, max_position_embeddings: 64,
};
const tokenizer = {
  added_tokens: [{ id: 0, content: '<unk>', special: true }, { id: 1, content: '<s>', special: true }],
  decoder: { type: 'Sequence' },
  model: { type: 'BPE', byte_fallback: true, unk_token: '<unk>', vocab: { '<unk>': 0, '<s>': 1, a: 2, aa: 3 }, merges: ['a a'] },
};
const shapes: Record<string, number[]> = {
  'model.embed_tokens.weight': [V, H], 'model.norm.weight': [H], 'lm_head.weight': [V, H],
  'model.layers.0.input_layernorm.weight': [H], 'model.layers.0.post_attention_layernorm.weight': [H],
  'model.layers.0.self_attn.q_proj.weight': [H, H], 'model.layers.0.self_attn.k_proj.weight': [4, H],
  'model.layers.0.self_attn.v_proj.weight': [4, H], 'model.layers.0.self_attn.o_proj.weight': [H, H],
  'model.layers.0.mlp.gate_proj.weight': [FF, H], 'model.layers.0.mlp.up_proj.weight': [FF, H], 'model.layers.0.mlp.down_proj.weight': [H, FF],
};
function safetensors(names: string[]): Uint8Array {
  const header: Record<string, object> = {};
  let at = 0;
  for (const name of names) {
    const n = shapes[name]!.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'F16', shape: shapes[name], data_offsets: [at, at + n] };
    at += n;
  }
  return safetensorsBytes(header, at);
}
const all = Object.keys(shapes);
const folder = (over: Record<string, Uint8Array | string | object | undefined> = {}) => {
  const base: Record<string, Uint8Array | string | object | undefined> = { 'config.json': config, 'tokenizer.json': tokenizer, 'model.safetensors': safetensors(all), ...over };
  return memoryModelFiles('org/Tiny-Mistral-v0.1', Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, object>);
};

describe('planModel inputs', () => {
  it('plans a Mistral folder with an untied lm_head -> output.weight', async () => {
    const plan = await planModel(folder());
    expect(plan.hfArchitecture).toBe('MistralForCausalLM');
    expect(plan.tensors.map((t) => t.ggufName).slice(0, 3)).toEqual(['output.weight', 'output_norm.weight', 'token_embd.weight']);
    expect(plan.tensors.find((t) => t.ggufName === 'output.weight')).toMatchObject({ role: 'output', quantizable: true });
    expect(plan.metadata.find((k) => k.key === 'general.name')!.value).toEqual({ type: 'string', value: 'Tiny Mistral v0.1' });
    expect(plan.metadata.find((k) => k.key === 'llama.attention.key_length')).toBeUndefined(); // no head_dim in config
  });

  it('reads sharded checkpoints through the index', async () => {
    const index = { weight_map: Object.fromEntries(all.map((n, i) => [n, i < 5 ? 'a.safetensors' : 'b.safetensors'])) };
    const files = folder({ 'model.safetensors': undefined, 'model.safetensors.index.json': index, 'a.safetensors': safetensors(all.slice(0, 5)), 'b.safetensors': safetensors(all.slice(5)) });
    const plan = await planModel(files);
    expect(plan.tensors).toHaveLength(12);
    expect(plan.tensors.find((t) => t.ggufName === 'blk.0.ffn_up.weight')!.source.file).toBe('b.safetensors');
  });

  it('names a shard the index points to that is missing', async () => {
    const index = { weight_map: Object.fromEntries(all.map((n) => [n, 'model-00001-of-00002.safetensors'])) };
    await expect(planModel(folder({ 'model.safetensors': undefined, 'model.safetensors.index.json': index })))
      .rejects.toThrow(/model\.safetensors\.index\.json: tensor "model\.embed_tokens\.weight" is in "model-00001-of-00002\.safetensors", which is missing/);
  });

  it('refuses a missing config.json', async () => {
    await expect(planModel(folder({ 'config.json': undefined }))).rejects.toThrow(/^config\.json is missing from org\/Tiny-Mistral-v0\.1: /);
  });

  it('refuses an unsupported architecture, listing the supported ones', async () => {
    await expect(planModel(folder({ 'config.json': { ...config, architectures: ['GPTNeoXForCausalLM'] } })))
      .rejects.toThrow('architecture "GPTNeoXForCausalLM" is not supported (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM, Phi3ForCausalLM, SmolLM3ForCausalLM, Olmo2ForCausalLM, GraniteForCausalLM, Qwen3MoeForCausalLM, OlmoeForCausalLM, GraniteMoeForCausalLM, GraniteMoeSharedForCausalLM, GraniteMoeHybridForCausalLM, Lfm2ForCausalLM, LFM2ForCausalLM, GptOssForCausalLM)');
  });

  it('refuses an unknown tensor, naming it', async () => {
    shapes['model.layers.0.mlp.extra.weight'] = [H];
    await expect(planModel(folder({ 'model.safetensors': safetensors([...all, 'model.layers.0.mlp.extra.weight']) })))
      .rejects.toThrow(/model\.safetensors: tensor "model\.layers\.0\.mlp\.extra\.weight" is not part of a MistralForCausalLM/);
  });

  it('refuses a missing block tensor', async () => {
    await expect(planModel(folder({ 'model.safetensors': safetensors(all.filter((n) => !n.includes('v_proj'))) })))
      .rejects.toThrow('org/Tiny-Mistral-v0.1: the safetensors files have no tensor for "blk.0.attn_v.weight"');
  });
});

describe('permuteQk', () => {
  it('is numpy reshape(n, 2, r/n/2, c).swapaxes(1, 2).reshape(r, c) on rows', () => {
    // 2 heads x 2 halves x 2 rows, 1 column: rows [h0a0 h0a1 h0b0 h0b1 h1a0 h1a1 h1b0 h1b1]
    const out = permuteQk(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), [8, 1], 2);
    expect(Array.from(out)).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    const wide = permuteQk(Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]), [4, 2], 1);
    expect(Array.from(wide)).toEqual([0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5]);
    expect(() => permuteQk(new Float32Array(6), [6, 1], 2, 'q')).toThrow('q: 6 rows cannot be split into 2 heads');
  });
});

describe('sortTensorsLikeLlamaQuantize', () => {
  it('sorts by blk.N layer (non-block first, numerically), then byte-wise name', () => {
    const names = ['blk.10.attn_q.weight', 'blk.2.ffn_up.weight', 'token_embd.weight', 'blk.2.attn_k.weight', 'output.weight', 'output_norm.weight', 'rope_freqs.weight', 'blk.2.Z.weight'];
    expect(sortTensorsLikeLlamaQuantize(names.map((ggufName) => ({ ggufName }))).map((t) => t.ggufName)).toEqual([
      'output.weight', 'output_norm.weight', 'rope_freqs.weight', 'token_embd.weight',
      'blk.2.Z.weight', 'blk.2.attn_k.weight', 'blk.2.ffn_up.weight', 'blk.10.attn_q.weight',
    ]);
  });
});
