// Per-family planning: names, roles, transforms, generated tensors and metadata order, on tiny
// folders built in memory (no weights needed beyond a few floats).
import { describe, expect, it } from 'vitest';
import { forwardModelFromPlan } from '../../../src/core/forward/forward-model.ts';
import { planModel } from '../../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../../src/core/model/plan-types.ts';
import { llama3RopeFactors } from '../../../src/core/model/rope-freqs.ts';
import { readTensorF32 } from '../../../src/core/model/tensor-values.ts';
import { chatTemplateKvs } from '../../../src/core/tokenizer/special-vocab.ts';
import { memoryModelFiles, safetensorsBytes } from '../../helpers/memory-files.ts';

const H = 8;
const spm = {
  added_tokens: [{ id: 0, content: '<pad>', special: true }, { id: 1, content: '<eos>', special: true }, { id: 2, content: '<bos>', special: true }, { id: 9, content: '<unused0>', special: false }, { id: 10, content: '<image_soft_token>', special: true }],
  decoder: { type: 'Sequence' },
  model: { type: 'BPE', byte_fallback: true, vocab: { '<pad>': 0, '<eos>': 1, '<bos>': 2, a: 3, b: 4, ab: 5, '▁': 6, '▁a': 7, x: 8, '<unused0>': 9 }, merges: [['a', 'b'], ['▁', 'a']] },
};

/**
 * A folder with F32 tensors of the given shapes, element i of each tensor = i / 64; tensors named
 * *_blocks and *_scales (gpt-oss's MXFP4 experts) are U8, byte i = 120 + i mod 8.
 */
function folder(config: object, shapes: Record<string, number[]>, extra: Record<string, object | string> = {}) {
  const header: Record<string, object> = {};
  let offset = 0;
  const parts: (Float32Array | Uint8Array)[] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const u8 = /_(blocks|scales)$/.test(name);
    header[name] = { dtype: u8 ? 'U8' : 'F32', shape, data_offsets: [offset, offset + (u8 ? 1 : 4) * n] };
    parts.push(u8 ? Uint8Array.from({ length: n }, (_, i) => 120 + (i % 8)) : Float32Array.from({ length: n }, (_, i) => i / 64));
    offset += (u8 ? 1 : 4) * n;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) { data.set(new Uint8Array(p.buffer), at); at += p.byteLength; }
  return memoryModelFiles('org/tiny', { 'config.json': config, 'model.safetensors': safetensorsBytes(header, data), 'tokenizer.json': spm, ...extra });
}

function blockShapes(layers: number, block: Record<string, number[]>, global: Record<string, number[]>): Record<string, number[]> {
  const out: Record<string, number[]> = { ...global };
  for (let i = 0; i < layers; i++) for (const [k, v] of Object.entries(block)) out[`model.layers.${i}.${k}`] = v;
  return out;
}

const keys = (plan: ModelPlan) => plan.metadata.map((k) => k.key);
const kv = (plan: ModelPlan, key: string) => plan.metadata.find((k) => k.key === key)?.value;

describe('Gemma 3', () => {
  const config = {
    architectures: ['Gemma3ForCausalLM'], hidden_size: H, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1,
    head_dim: 4, vocab_size: 13, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 1e6, rope_local_base_freq: 1e4, sliding_window: 16, final_logit_softcapping: 30,
  };
  const shapes = blockShapes(1, {
    'input_layernorm.weight': [H], 'self_attn.q_proj.weight': [8, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H],
    'self_attn.o_proj.weight': [H, 8], 'self_attn.q_norm.weight': [4], 'self_attn.k_norm.weight': [4], 'post_attention_layernorm.weight': [H],
    'pre_feedforward_layernorm.weight': [H], 'post_feedforward_layernorm.weight': [H], 'mlp.gate_proj.weight': [16, H], 'mlp.up_proj.weight': [16, H], 'mlp.down_proj.weight': [H, 16],
  }, { 'model.embed_tokens.weight': [13, H], 'model.norm.weight': [H] });

  it('maps the sandwich norms, adds 1 to every norm in float32 and cuts token_embd to the real vocabulary', async () => {
    const files = folder(config, shapes);
    const plan = await planModel(files);
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    expect(byName.get('blk.0.post_attention_norm.weight')!.role).toBe('post_attention_norm');
    expect(byName.get('blk.0.ffn_norm.weight')!.hfName).toBe('model.layers.0.pre_feedforward_layernorm.weight');
    expect(byName.get('blk.0.post_ffw_norm.weight')!.quantizable).toBe(false);
    expect(byName.has('output.weight')).toBe(false);
    const norm = await readTensorF32(byName.get('blk.0.attn_k_norm.weight')!, files);
    expect(Array.from(norm)).toEqual([1, 1 + 1 / 64, 1 + 2 / 64, 1 + 3 / 64]);
    const embd = byName.get('token_embd.weight')!;
    expect(embd.ne).toEqual([H, 11]); // ids 0..10: rows 11 and 12 are padding
    const rows = await readTensorF32(embd, files);
    expect(rows).toHaveLength(11 * H);
    expect(rows[11 * H - 1]).toBe((11 * H - 1) / 64);
  });

  it('writes TextModel keys then Gemma 3 extras in converter order, and add_space_prefix false', async () => {
    const plan = await planModel(folder(config, shapes));
    expect(plan.architecture).toBe('gemma3');
    expect(keys(plan).filter((k) => k.startsWith('gemma3.'))).toEqual([
      'gemma3.block_count', 'gemma3.context_length', 'gemma3.embedding_length', 'gemma3.feed_forward_length', 'gemma3.attention.head_count',
      'gemma3.attention.head_count_kv', 'gemma3.rope.freq_base', 'gemma3.rope.freq_base_swa', 'gemma3.attention.layer_norm_rms_epsilon',
      'gemma3.attention.key_length', 'gemma3.attention.value_length', 'gemma3.final_logit_softcapping', 'gemma3.attention.sliding_window',
    ]);
    expect(kv(plan, 'gemma3.rope.freq_base_swa')).toEqual({ type: 'f32', value: 1e4 });
    expect(keys(plan).at(-1)).toBe('tokenizer.ggml.add_space_prefix');
    expect(kv(plan, 'tokenizer.ggml.add_space_prefix')).toEqual({ type: 'bool', value: false });
    const types = kv(plan, 'tokenizer.ggml.token_type') as unknown as { value: Int32Array };
    expect(types.value[9]).toBe(3); // <unused0>: special-looking, so CONTROL
  });
});

describe('Qwen2, Qwen3, Phi-3', () => {
  const base = { hidden_size: H, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, vocab_size: 11, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 1e6 };
  const attn = { 'input_layernorm.weight': [H], 'self_attn.o_proj.weight': [H, H], 'post_attention_layernorm.weight': [H], 'mlp.down_proj.weight': [H, 16] };
  const qkv = { 'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H], 'mlp.gate_proj.weight': [16, H], 'mlp.up_proj.weight': [16, H] };
  const global = { 'model.embed_tokens.weight': [11, H], 'model.norm.weight': [H] };

  it('Qwen2: q/k/v biases stay F32 and nothing is permuted (NEOX rope)', async () => {
    const plan = await planModel(folder({ ...base, architectures: ['Qwen2ForCausalLM'] }, blockShapes(1, { ...attn, ...qkv, 'self_attn.q_proj.bias': [H], 'self_attn.k_proj.bias': [4], 'self_attn.v_proj.bias': [4] }, global)));
    expect(plan.architecture).toBe('qwen2');
    const bias = plan.tensors.find((t) => t.ggufName === 'blk.0.attn_q.bias')!;
    expect([bias.role, bias.quantizable]).toEqual(['attn_q_bias', false]);
    expect(plan.tensors.every((t) => t.transform.kind === 'none')).toBe(true);
    expect(keys(plan)).not.toContain('qwen2.vocab_size');
  });

  it('Qwen3: per-head q/k norms', async () => {
    const plan = await planModel(folder({ ...base, head_dim: 4, architectures: ['Qwen3ForCausalLM'] }, blockShapes(1, { ...attn, ...qkv, 'self_attn.q_norm.weight': [4], 'self_attn.k_norm.weight': [4] }, global)));
    expect(plan.tensors.find((t) => t.ggufName === 'blk.0.attn_k_norm.weight')!.role).toBe('attn_k_norm');
    expect(kv(plan, 'qwen3.attention.key_length')).toEqual({ type: 'u32', value: 4 });
  });

  it('Phi-3: fused qkv and gate_up written whole, Phi3MiniModel keys in order', async () => {
    const phi = { ...base, architectures: ['Phi3ForCausalLM'], original_max_position_embeddings: 32, sliding_window: 31 };
    const plan = await planModel(folder(phi, blockShapes(1, { ...attn, 'self_attn.qkv_proj.weight': [16, H], 'mlp.gate_up_proj.weight': [32, H] }, { ...global, 'lm_head.weight': [11, H] })));
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    expect([byName.get('blk.0.attn_qkv.weight')!.ne, byName.get('blk.0.attn_qkv.weight')!.quantizable]).toEqual([[H, 16], true]);
    expect(byName.get('blk.0.ffn_up.weight')!.ne).toEqual([H, 32]);
    expect(keys(plan).filter((k) => k.startsWith('phi3.'))).toEqual([
      'phi3.context_length', 'phi3.rope.scaling.original_context_length', 'phi3.embedding_length', 'phi3.feed_forward_length', 'phi3.block_count',
      'phi3.attention.head_count', 'phi3.attention.head_count_kv', 'phi3.attention.layer_norm_rms_epsilon', 'phi3.rope.dimension_count',
      'phi3.rope.freq_base', 'phi3.attention.sliding_window',
    ]);
    expect(plan.tensors.some((t) => t.ggufName.startsWith('rope_factors'))).toBe(false);
  });

  it('Phi-4-mini: partial rotary, LongRoPE factors as F32 tensors, their attention factor right after the architecture', async () => {
    // 2 heads of 4, partial_rotary_factor 0.5: int(0.5 * 8) // 2 = 2 rotated dimensions, one pair.
    const phi4 = {
      ...base, architectures: ['Phi3ForCausalLM'], max_position_embeddings: 131072, original_max_position_embeddings: 4096, partial_rotary_factor: 0.5,
      rope_scaling: { type: 'longrope', long_factor: [3.25], short_factor: [1.0625] }, tie_word_embeddings: true,
    };
    const shapes = blockShapes(1, { ...attn, 'self_attn.qkv_proj.weight': [16, H], 'mlp.gate_up_proj.weight': [32, H] }, global);
    const plan = await planModel(folder(phi4, shapes));
    expect(keys(plan).slice(0, 3)).toEqual(['general.architecture', 'phi3.rope.scaling.attn_factor', 'general.type']);
    expect(kv(plan, 'phi3.rope.scaling.attn_factor')).toEqual({ type: 'f32', value: Math.sqrt(1 + Math.log(32) / Math.log(4096)) });
    expect(kv(plan, 'phi3.rope.dimension_count')).toEqual({ type: 'u32', value: 2 });
    for (const [which, value] of [['long', 3.25], ['short', 1.0625]] as const) {
      const t = plan.tensors.find((x) => x.ggufName === `rope_factors_${which}.weight`)!;
      expect([t.role, t.layer, t.ne, t.quantizable, t.source.kind]).toEqual([`rope_factors_${which}`, null, [1], false, 'generated']);
      expect(Array.from(await readTensorF32(t, folder(phi4, shapes)))).toEqual([value]);
    }
    // partial_rotary_factor may sit in rope_scaling too (transformers 5's rope_parameters).
    const nested = { ...phi4, partial_rotary_factor: undefined, rope_parameters: { ...phi4.rope_scaling, rope_theta: 1e6, partial_rotary_factor: 0.5 } };
    expect(kv(await planModel(folder(nested, shapes)), 'phi3.rope.dimension_count')).toEqual({ type: 'u32', value: 2 });
    await expect(planModel(folder({ ...phi4, rope_scaling: { type: 'longrope', long_factor: [1, 2], short_factor: [1, 2] } }, shapes)))
      .rejects.toThrow(/org\/tiny\/config\.json: rope_scaling long_factor and short_factor must have 1 values each \(half the rotated dimensions\), not 2 and 2/);
    await expect(planModel(folder({ ...phi4, rope_scaling: { type: 'longrope', long_factor: [1] } }, shapes)))
      .rejects.toThrow(/config\.json: rope scaling "longrope" needs "short_factor", a list of positive numbers/);
    await expect(planModel(folder({ ...base, architectures: ['LlamaForCausalLM'], rope_scaling: phi4.rope_scaling }, {})))
      .rejects.toThrow(/config\.json: longrope rope scaling is only supported for Phi3ForCausalLM, not LlamaForCausalLM/);
  });
  describe('Qwen3-MoE', () => {
    const moe = {
      ...base, head_dim: 4, architectures: ['Qwen3MoeForCausalLM'], num_experts: 3, num_experts_per_tok: 2, moe_intermediate_size: 6,
      norm_topk_prob: true, decoder_sparse_step: 1, mlp_only_layers: [],
    };
    const expertShapes = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, e) => [
      [`mlp.experts.${e}.gate_proj.weight`, [6, H]], [`mlp.experts.${e}.up_proj.weight`, [6, H]], [`mlp.experts.${e}.down_proj.weight`, [H, 6]],
    ]).flat());
    const layer = (count = 3) => ({
      'input_layernorm.weight': [H], 'self_attn.o_proj.weight': [H, H], 'post_attention_layernorm.weight': [H],
      'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H],
      'self_attn.q_norm.weight': [4], 'self_attn.k_norm.weight': [4], 'mlp.gate.weight': [3, H], ...expertShapes(count),
    });
    const tensors = blockShapes(1, layer(), { ...global, 'lm_head.weight': [11, H] });

    it('stacks each projection of the experts into one 3-D tensor (expert outermost), keeps the router F32, writes the expert keys', async () => {
      const files = folder(moe, tensors);
      const plan = await planModel(files);
      expect(plan.architecture).toBe('qwen3moe');
      const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
      const down = byName.get('blk.0.ffn_down_exps.weight')!;
      expect([down.ne, down.role, down.hfName, down.quantizable]).toEqual([[6, H, 3], 'ffn_down_exps', 'model.layers.0.mlp.experts.*.down_proj.weight', true]);
      expect(byName.get('blk.0.ffn_gate_exps.weight')!.ne).toEqual([H, 6, 3]);
      const router = byName.get('blk.0.ffn_gate_inp.weight')!;
      expect([router.ne, router.role, router.quantizable]).toEqual([[H, 3], 'ffn_gate_inp', false]);
      expect([...byName.keys()].some((n) => n.includes('ffn_gate.weight') || /experts\.\d/.test(n))).toBe(false);
      // Each expert's values in turn: the folder's tensors count from 0 (i / 64) each.
      const values = await readTensorF32(down, files);
      const one = Array.from({ length: H * 6 }, (_, i) => i / 64);
      expect(Array.from(values)).toEqual([...one, ...one, ...one]);
      expect(keys(plan).filter((k) => k.startsWith('qwen3moe.'))).toEqual([
        'qwen3moe.block_count', 'qwen3moe.context_length', 'qwen3moe.embedding_length', 'qwen3moe.feed_forward_length', 'qwen3moe.attention.head_count',
        'qwen3moe.attention.head_count_kv', 'qwen3moe.rope.freq_base', 'qwen3moe.attention.layer_norm_rms_epsilon', 'qwen3moe.expert_count',
        'qwen3moe.expert_used_count', 'qwen3moe.attention.key_length', 'qwen3moe.attention.value_length', 'qwen3moe.expert_feed_forward_length',
      ]);
      expect([kv(plan, 'qwen3moe.expert_count'), kv(plan, 'qwen3moe.expert_used_count'), kv(plan, 'qwen3moe.expert_feed_forward_length')])
        .toEqual([{ type: 'u32', value: 3 }, { type: 'u32', value: 2 }, { type: 'u32', value: 6 }]);
    });

    it('refuses a missing expert, an expert past num_experts, unlike experts and configs llama.cpp would run differently', async () => {
      const without = { ...tensors };
      delete without['model.layers.0.mlp.experts.1.up_proj.weight'];
      await expect(planModel(folder(moe, without))).rejects.toThrow(/tensor "model\.layers\.0\.mlp\.experts\.1\.up_proj\.weight" is missing \(layer 0 needs all 3 experts\)/);
      await expect(planModel(folder(moe, blockShapes(1, layer(4), { ...global, 'lm_head.weight': [11, H] }))))
        .rejects.toThrow(/"model\.layers\.0\.mlp\.experts\.3\.gate_proj\.weight" is expert 3, but org\/tiny\/config\.json says num_experts 3/);
      await expect(planModel(folder(moe, { ...tensors, 'model.layers.0.mlp.experts.2.up_proj.weight': [7, H] })))
        .rejects.toThrow(/experts stack only when all are 2-D and alike/);
      await expect(planModel(folder({ ...moe, moe_intermediate_size: 5 }, tensors))).rejects.toThrow(/moe_intermediate_size 5\) implies \[3, 5, 8\]/);
      await expect(planModel(folder({ ...moe, norm_topk_prob: false }, tensors))).rejects.toThrow(/"norm_topk_prob" is false/);
      await expect(planModel(folder({ ...moe, mlp_only_layers: [0] }, tensors))).rejects.toThrow(/"mlp_only_layers" is \[0\]: llama\.cpp's qwen3moe has no dense layers/);
      await expect(planModel(folder({ ...moe, decoder_sparse_step: 2 }, tensors))).rejects.toThrow(/"decoder_sparse_step" is 2/);
      await expect(planModel(folder({ ...moe, num_experts_per_tok: 4 }, tensors))).rejects.toThrow(/"num_experts_per_tok" 4 is more than "num_experts" 3/);
    });
  });

  it('OLMoE: experts as wide as intermediate_size, full-width q/k norms, TextModel keys with the RMS epsilon set to 1e-5; what llama.cpp would run otherwise refused', async () => {
    const olmoe = { ...base, num_key_value_heads: 2, architectures: ['OlmoeForCausalLM'], num_experts: 2, num_experts_per_tok: 1, norm_topk_prob: false, clip_qkv: null, rms_norm_eps: 1e-6 };
    const experts = Object.fromEntries(Array.from({ length: 2 }, (_, e) => [
      [`mlp.experts.${e}.gate_proj.weight`, [16, H]], [`mlp.experts.${e}.up_proj.weight`, [16, H]], [`mlp.experts.${e}.down_proj.weight`, [H, 16]],
    ]).flat());
    const tensors = blockShapes(1, {
      'input_layernorm.weight': [H], 'self_attn.o_proj.weight': [H, H], 'post_attention_layernorm.weight': [H], 'self_attn.q_proj.weight': [H, H],
      'self_attn.k_proj.weight': [H, H], 'self_attn.v_proj.weight': [H, H], 'self_attn.q_norm.weight': [H], 'self_attn.k_norm.weight': [H],
      'mlp.gate.weight': [2, H], ...experts,
    }, { ...global, 'lm_head.weight': [11, H] });
    const plan = await planModel(folder(olmoe, tensors));
    expect(plan.architecture).toBe('olmoe');
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    expect(byName.get('blk.0.ffn_up_exps.weight')!.ne).toEqual([H, 16, 2]);
    expect(byName.get('blk.0.attn_k_norm.weight')!.ne).toEqual([H]);
    expect(plan.tensors.every((t) => t.transform.kind === 'none')).toBe(true);
    expect(keys(plan).filter((k) => k.startsWith('olmoe.'))).toEqual([
      'olmoe.block_count', 'olmoe.context_length', 'olmoe.embedding_length', 'olmoe.feed_forward_length', 'olmoe.attention.head_count',
      'olmoe.attention.head_count_kv', 'olmoe.rope.freq_base', 'olmoe.attention.layer_norm_rms_epsilon', 'olmoe.expert_count', 'olmoe.expert_used_count',
    ]);
    expect(kv(plan, 'olmoe.attention.layer_norm_rms_epsilon')).toEqual({ type: 'f32', value: 1e-5 });
    await expect(planModel(folder({ ...olmoe, norm_topk_prob: true }, tensors))).rejects.toThrow(/"norm_topk_prob" is true, but llama\.cpp's olmoe never renormalises/);
    await expect(planModel(folder({ ...olmoe, clip_qkv: 8 }, tensors))).rejects.toThrow(/"clip_qkv" is 8/);
    await expect(planModel(folder({ ...olmoe, num_key_value_heads: 1 }, tensors))).rejects.toThrow(/"num_key_value_heads" 1 differs from "num_attention_heads" 2/);
  });

  it('Granite MoE: input_linear split into the experts\' gate and up halves, output_linear and the router as they are, Granite\'s keys with the expert counts', async () => {
    const gm = {
      ...base, architectures: ['GraniteMoeForCausalLM'], num_local_experts: 2, num_experts_per_tok: 1, attention_multiplier: 0.0625, embedding_multiplier: 12,
      residual_multiplier: 0.22, logits_scaling: 8,
    };
    const tensors = blockShapes(1, {
      ...attn, 'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H],
      'block_sparse_moe.input_linear.weight': [2, 32, H], 'block_sparse_moe.output_linear.weight': [2, H, 16], 'block_sparse_moe.router.layer.weight': [2, H],
    }, global);
    delete tensors['model.layers.0.mlp.down_proj.weight'];
    const files = folder(gm, tensors);
    const plan = await planModel(files);
    expect(plan.architecture).toBe('granitemoe');
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    const [gate, up] = [byName.get('blk.0.ffn_gate_exps.weight')!, byName.get('blk.0.ffn_up_exps.weight')!];
    expect([gate.ne, up.ne, byName.get('blk.0.ffn_down_exps.weight')!.ne]).toEqual([[H, 16, 2], [H, 16, 2], [16, H, 2]]);
    // input_linear holds i / 64 at flat index i: expert e's gate is its first 16 rows, its up the next 16.
    const row = (r: number) => Array.from({ length: H }, (_, j) => (r * H + j) / 64);
    const rows = (from: number) => Array.from({ length: 16 }, (_, i) => row(from + i)).flat();
    expect(Array.from(await readTensorF32(gate, files))).toEqual([...rows(0), ...rows(32)]);
    expect(Array.from(await readTensorF32(up, files))).toEqual([...rows(16), ...rows(48)]);
    expect(byName.get('blk.0.ffn_gate_inp.weight')!.quantizable).toBe(false);
    expect(byName.get('blk.0.attn_q.weight')!.transform).toEqual({ kind: 'permute-qk', heads: 2 });
    expect(keys(plan).filter((k) => k.startsWith('granitemoe.'))).toEqual([
      'granitemoe.block_count', 'granitemoe.context_length', 'granitemoe.embedding_length', 'granitemoe.feed_forward_length', 'granitemoe.attention.head_count',
      'granitemoe.attention.head_count_kv', 'granitemoe.rope.freq_base', 'granitemoe.attention.layer_norm_rms_epsilon', 'granitemoe.expert_count',
      'granitemoe.expert_used_count', 'granitemoe.vocab_size', 'granitemoe.rope.dimension_count', 'granitemoe.attention.scale', 'granitemoe.embedding_scale',
      'granitemoe.residual_scale', 'granitemoe.logit_scale',
    ]);
    await expect(planModel(folder({ ...gm, shared_intermediate_size: 8 }, tensors))).rejects.toThrow(/no tensor for "blk\.0\.ffn_gate_shexp\.weight"/);
    await expect(planModel(folder({ ...gm, intermediate_size: 8 }, tensors))).rejects.toThrow(/input_linear\.weight" has shape \[2, 32, 8\], but .* implies \[2, 16, 8\]/);

    // GraniteMoeShared: a shared expert of width 8 beside the routed ones.
    const shared = { ...gm, architectures: ['GraniteMoeSharedForCausalLM'], shared_intermediate_size: 8 };
    const sharedTensors = { ...tensors, 'model.layers.0.shared_mlp.input_linear.weight': [16, H], 'model.layers.0.shared_mlp.output_linear.weight': [H, 8] };
    const sharedFiles = folder(shared, sharedTensors);
    const withShared = await planModel(sharedFiles);
    const s = new Map(withShared.tensors.map((t) => [t.ggufName, t]));
    expect(['blk.0.ffn_gate_shexp.weight', 'blk.0.ffn_up_shexp.weight', 'blk.0.ffn_down_shexp.weight'].map((n) => [s.get(n)!.role, s.get(n)!.ne, s.get(n)!.quantizable]))
      .toEqual([['ffn_gate_shexp', [H, 8], true], ['ffn_up_shexp', [H, 8], true], ['ffn_down_shexp', [8, H], true]]);
    // The up half: rows 8-15 of input_linear, whose element i is i / 64.
    expect(Array.from(await readTensorF32(s.get('blk.0.ffn_up_shexp.weight')!, sharedFiles))).toEqual(Array.from({ length: 8 * H }, (_, i) => (8 * H + i) / 64));
    expect(keys(withShared).filter((k) => k.startsWith('granitemoe.')).slice(-2)).toEqual(['granitemoe.logit_scale', 'granitemoe.expert_shared_feed_forward_length']);
    expect(kv(withShared, 'granitemoe.expert_shared_feed_forward_length')).toEqual({ type: 'u32', value: 8 });
    await expect(planModel(folder({ ...shared, shared_intermediate_size: 4 }, sharedTensors)))
      .rejects.toThrow(/shared_mlp\.input_linear\.weight" has shape \[16, 8\], but .*shared_intermediate_size 4, hidden_size 8\) implies \[8, 8\]/);
  });

  it('SmolLM3: converted as Llama (Q/K permuted, LlamaModel keys) under "smollm3"; a no-rope pattern llama.cpp would not run is refused', async () => {
    const smol = { ...base, num_hidden_layers: 4, architectures: ['SmolLM3ForCausalLM'], no_rope_layer_interval: 4, no_rope_layers: [1, 1, 1, 0] };
    const tensors = blockShapes(4, { ...attn, ...qkv }, global);
    const plan = await planModel(folder(smol, tensors));
    expect(plan.architecture).toBe('smollm3');
    expect(plan.tensors.find((t) => t.ggufName === 'blk.3.attn_q.weight')!.transform).toEqual({ kind: 'permute-qk', heads: 2 });
    expect(plan.tensors.find((t) => t.ggufName === 'blk.3.attn_k.weight')!.transform).toEqual({ kind: 'permute-qk', heads: 1 });
    expect(keys(plan).filter((k) => k.startsWith('smollm3.'))).toEqual([
      'smollm3.block_count', 'smollm3.context_length', 'smollm3.embedding_length', 'smollm3.feed_forward_length', 'smollm3.attention.head_count',
      'smollm3.attention.head_count_kv', 'smollm3.rope.freq_base', 'smollm3.attention.layer_norm_rms_epsilon', 'smollm3.vocab_size', 'smollm3.rope.dimension_count',
    ]);
    expect(keys(plan).some((k) => k.startsWith('llama.'))).toBe(false);
    await expect(planModel(folder({ ...smol, no_rope_layers: [1, 1, 0, 1] }, tensors)))
      .rejects.toThrow(/org\/tiny\/config\.json: "no_rope_layers"\[2\] is 0, but llama\.cpp runs layer 2 with rope/);
    await expect(planModel(folder({ ...smol, no_rope_layer_interval: 3 }, tensors)))
      .rejects.toThrow(/"no_rope_layer_interval" is 3; llama\.cpp runs SmolLM3 with no rope on every 4th layer only/);
  });

  it('OLMo 2: post-norms under Gemma\'s GGUF names, no pre-norms, whole-projection q/k norms, TextModel keys; sliding windows and tied embeddings refused', async () => {
    const olmo = { ...base, architectures: ['Olmo2ForCausalLM'] };
    const block = {
      'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H], 'self_attn.o_proj.weight': [H, H],
      'self_attn.q_norm.weight': [H], 'self_attn.k_norm.weight': [4], 'post_attention_layernorm.weight': [H], 'post_feedforward_layernorm.weight': [H],
      'mlp.gate_proj.weight': [16, H], 'mlp.up_proj.weight': [16, H], 'mlp.down_proj.weight': [H, 16],
    };
    const tensors = blockShapes(1, block, { ...global, 'lm_head.weight': [11, H] });
    const plan = await planModel(folder(olmo, tensors));
    expect(plan.architecture).toBe('olmo2');
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    expect(byName.get('blk.0.post_attention_norm.weight')!.hfName).toBe('model.layers.0.post_attention_layernorm.weight');
    expect(byName.get('blk.0.post_ffw_norm.weight')!.hfName).toBe('model.layers.0.post_feedforward_layernorm.weight');
    expect(byName.has('blk.0.ffn_norm.weight')).toBe(false);
    expect(byName.get('blk.0.attn_q_norm.weight')!.ne).toEqual([H]);
    expect(plan.tensors.every((t) => t.transform.kind === 'none')).toBe(true);
    expect(keys(plan).filter((k) => k.startsWith('olmo2.'))).toEqual([
      'olmo2.block_count', 'olmo2.context_length', 'olmo2.embedding_length', 'olmo2.feed_forward_length', 'olmo2.attention.head_count',
      'olmo2.attention.head_count_kv', 'olmo2.rope.freq_base', 'olmo2.attention.layer_norm_rms_epsilon',
    ]);
    await expect(planModel(folder({ ...olmo, sliding_window: 4096 }, tensors))).rejects.toThrow(/"sliding_window" is 4096: OLMo 2 has no sliding window/);
    await expect(planModel(folder({ ...olmo, tie_word_embeddings: true }, tensors))).rejects.toThrow(/llama\.cpp runs OLMo 2 only with its own output\.weight/);
  });

  it('Granite: Llama\'s conversion with the four multipliers as scales after LlamaModel\'s keys; head_dim dropped, a differing one refused; logits_scaling required', async () => {
    const granite = {
      ...base, architectures: ['GraniteForCausalLM'], head_dim: H / 2, attention_multiplier: 0.0625, embedding_multiplier: 12, residual_multiplier: 0.22, logits_scaling: 8,
    };
    const tensors = blockShapes(1, { ...attn, ...qkv }, global);
    const plan = await planModel(folder(granite, tensors));
    expect(plan.architecture).toBe('granite');
    expect(plan.tensors.find((t) => t.ggufName === 'blk.0.attn_q.weight')!.transform).toEqual({ kind: 'permute-qk', heads: 2 });
    expect(keys(plan).filter((k) => k.startsWith('granite.'))).toEqual([
      'granite.block_count', 'granite.context_length', 'granite.embedding_length', 'granite.feed_forward_length', 'granite.attention.head_count',
      'granite.attention.head_count_kv', 'granite.rope.freq_base', 'granite.attention.layer_norm_rms_epsilon', 'granite.vocab_size',
      'granite.rope.dimension_count', 'granite.attention.scale', 'granite.embedding_scale', 'granite.residual_scale', 'granite.logit_scale',
    ]);
    expect(kv(plan, 'granite.residual_scale')).toEqual({ type: 'f32', value: 0.22 });
    await expect(planModel(folder({ ...granite, head_dim: 2 }, tensors))).rejects.toThrow(/"head_dim" 2 is not hidden_size \/ num_attention_heads \(4\)/);
    await expect(planModel(folder({ ...granite, logits_scaling: undefined }, tensors))).rejects.toThrow(/"logits_scaling" is missing: llama\.cpp needs granite\.logit_scale/);
  });

  it('Granite 4.0 without Mamba-2 layers: a "granite" file, the shared MLP split into gate and up, the hybrid\'s keys where the converter puts them; experts refused', async () => {
    const g4 = {
      ...base, architectures: ['GraniteMoeHybridForCausalLM'], attention_multiplier: 0.0625, embedding_multiplier: 12, residual_multiplier: 0.22, logits_scaling: 8,
      layer_types: ['attention'], shared_intermediate_size: 16, num_local_experts: 0, num_experts_per_tok: 0, hidden_act: 'silu',
      mamba_d_conv: 4, mamba_d_head: 64, mamba_d_state: 256, mamba_expand: 2, mamba_n_groups: 1, mamba_n_heads: 128,
    };
    const tensors = blockShapes(1, {
      ...attn, 'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H],
      'shared_mlp.input_linear.weight': [32, H], 'shared_mlp.output_linear.weight': [H, 16],
    }, global);
    delete (tensors as Record<string, number[]>)['model.layers.0.mlp.down_proj.weight'];
    const plan = await planModel(folder(g4, tensors));
    expect(plan.architecture).toBe('granite');
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    const input = plan.tensors.find((t) => t.ggufName === 'blk.0.ffn_gate.weight')!.source as { offset: number; byteLength: number };
    const up = byName.get('blk.0.ffn_up.weight')!;
    expect([byName.get('blk.0.ffn_gate.weight')!.ne, up.ne, byName.get('blk.0.ffn_down.weight')!.ne]).toEqual([[H, 16], [H, 16], [16, H]]);
    expect((up.source as { offset: number }).offset - input.offset).toBe(input.byteLength);
    expect(keys(plan).filter((k) => k.startsWith('granite.'))).toEqual([
      'granite.block_count', 'granite.context_length', 'granite.embedding_length', 'granite.feed_forward_length', 'granite.attention.head_count',
      'granite.attention.head_count_kv', 'granite.rope.freq_base', 'granite.attention.layer_norm_rms_epsilon', 'granite.expert_count', 'granite.expert_used_count',
      'granite.vocab_size', 'granite.rope.dimension_count', 'granite.attention.scale', 'granite.embedding_scale', 'granite.residual_scale', 'granite.logit_scale',
      'granite.expert_shared_feed_forward_length', 'granite.ssm.conv_kernel', 'granite.ssm.state_size', 'granite.ssm.group_count', 'granite.ssm.inner_size',
      'granite.ssm.time_step_rank', 'granite.rope.scaling.finetuned',
    ]);
    expect(kv(plan, 'granite.attention.head_count_kv')).toEqual({ type: 'array', itemType: 'i32', value: [1] });
    // d_inner = mamba_expand × hidden_size (mamba_head_dim absent), time_step_rank = mamba_n_heads.
    expect([kv(plan, 'granite.ssm.inner_size'), kv(plan, 'granite.ssm.time_step_rank'), kv(plan, 'granite.expert_count')])
      .toEqual([{ type: 'u32', value: 2 * H }, { type: 'u32', value: 128 }, { type: 'u32', value: 0 }]);
    await expect(planModel(folder({ ...g4, num_local_experts: 4, num_experts_per_tok: 2 }, tensors))).rejects.toThrow(/"num_experts_per_tok" is 2: Granite 4\.0 with experts and without Mamba-2 layers is not supported yet/);
    await expect(planModel(folder({ ...g4, shared_intermediate_size: 8 }, tensors))).rejects.toThrow(/"shared_intermediate_size" 8 differs from "intermediate_size" 16/);

    // With Mamba-2 layers (granite-4.0-h): "granitehybrid". Inner size 2·H = 16, one group, state 4, 4 heads, kernel 4.
    const g4h = { ...g4, num_hidden_layers: 2, layer_types: ['mamba', 'attention'], mamba_d_state: 4, mamba_n_heads: 4, mamba_d_head: 4, vocab_size: 16 };
    const mamba = {
      'input_layernorm.weight': [H], 'post_attention_layernorm.weight': [H], 'shared_mlp.input_linear.weight': [32, H], 'shared_mlp.output_linear.weight': [H, 16],
      'mamba.in_proj.weight': [44, H], 'mamba.conv1d.weight': [24, 1, 4], 'mamba.conv1d.bias': [24], 'mamba.dt_bias': [4], 'mamba.A_log': [4], 'mamba.D': [4],
      'mamba.norm.weight': [16], 'mamba.out_proj.weight': [H, 16],
    };
    const hybridTensors = { ...Object.fromEntries(Object.entries(mamba).map(([k, v]) => [`model.layers.0.${k}`, v])), ...Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k.replace('layers.0.', 'layers.1.'), v])), 'model.embed_tokens.weight': [16, H] };
    const hybridFiles = folder(g4h, hybridTensors);
    const hybrid = await planModel(hybridFiles);
    expect(hybrid.architecture).toBe('granitehybrid');
    const h = new Map(hybrid.tensors.map((t) => [t.ggufName, t]));
    const shape = (name: string) => [h.get(name)!.role, h.get(name)!.ne, h.get(name)!.quantizable];
    expect(['blk.0.ssm_in.weight', 'blk.0.ssm_conv1d.weight', 'blk.0.ssm_conv1d.bias', 'blk.0.ssm_dt.bias', 'blk.0.ssm_a', 'blk.0.ssm_d', 'blk.0.ssm_norm.weight', 'blk.0.ssm_out.weight'].map(shape)).toEqual([
      ['ssm_in', [H, 44], true], ['ssm_conv1d', [4, 24], false], ['ssm_conv1d_bias', [24], false], ['ssm_dt_bias', [4], false],
      ['ssm_a', [1, 4], false], ['ssm_d', [1, 4], false], ['ssm_norm', [16, 1], false], ['ssm_out', [16, H], true],
    ]);
    expect(h.has('blk.0.attn_q.weight') || !h.has('blk.1.attn_q.weight')).toBe(false);
    // A = -exp(A_log) in float32 (A_log's values are i / 64).
    expect(Array.from(await readTensorF32(h.get('blk.0.ssm_a')!, hybridFiles))).toEqual([0, 1, 2, 3].map((i) => -Math.fround(Math.exp(i / 64))));
    expect(kv(hybrid, 'granitehybrid.attention.head_count_kv')).toEqual({ type: 'array', itemType: 'i32', value: [0, 1] });
    // No rope with Mamba-2 layers, and the context written as 2^20 where it was.
    expect([kv(hybrid, 'granitehybrid.rope.scaling.finetuned'), kv(hybrid, 'granitehybrid.context_length')]).toEqual([{ type: 'bool', value: false }, { type: 'u32', value: 2 ** 20 }]);
    expect(keys(hybrid).filter((k) => k.startsWith('granitehybrid.')).slice(0, 2)).toEqual(['granitehybrid.block_count', 'granitehybrid.context_length']);
    // The forward reads layer 0 as Mamba-2 (head_count_kv 0) and no layer as rotating q and k.
    const forward = forwardModelFromPlan(hybrid).hparams;
    expect([forward.ssm, forward.ropeLayers]).toEqual([{ inner: 16, stateSize: 4, groups: 1, heads: 4, convKernel: 4, layers: [true, false] }, [false, false]]);
    await expect(planModel(folder({ ...g4h, mamba_expand: 3 }, hybridTensors))).rejects.toThrow(/the Mamba-2 inner size 24 is not 2 × hidden_size 8/);
    await expect(planModel(folder({ ...g4h, vocab_size: 12 }, { ...hybridTensors, 'model.embed_tokens.weight': [12, H] }))).rejects.toThrow(/"vocab_size" 12 is not a multiple of 8/);
    await expect(planModel(folder({ ...g4h, mamba_d_state: 8 }, hybridTensors))).rejects.toThrow(/tensor "model\.layers\.0\.mamba\.conv1d\.weight" has shape \[24, 1, 4\], but .* imply \[32, 1, 4\]/);
  });
});

describe('LFM2', () => {
  // LFM2-350M's keys at H = 8: block_ff_dim 36 adjusted to int(2 * 36 / 3) = 24, rounded up to a multiple of 16.
  const lfm2 = {
    architectures: ['Lfm2ForCausalLM'], hidden_size: H, intermediate_size: 36, block_ff_dim: 36, block_auto_adjust_ff_dim: true, block_ffn_dim_multiplier: 1.0,
    block_multiple_of: 16, num_hidden_layers: 3, num_attention_heads: 2, num_key_value_heads: 1, vocab_size: 11, max_position_embeddings: 64, norm_eps: 1e-5,
    conv_L_cache: 3, conv_bias: false, layer_types: ['conv', 'full_attention', 'conv'], rope_theta: 1e6, tie_embedding: true,
  };
  const ffn = { 'operator_norm.weight': [H], 'ffn_norm.weight': [H], 'feed_forward.w1.weight': [32, H], 'feed_forward.w3.weight': [32, H], 'feed_forward.w2.weight': [H, 32] };
  const conv = { 'conv.conv.weight': [H, 1, 3], 'conv.in_proj.weight': [3 * H, H], 'conv.out_proj.weight': [H, H] };
  const attention = {
    'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [4, H], 'self_attn.v_proj.weight': [4, H], 'self_attn.q_layernorm.weight': [4],
    'self_attn.k_layernorm.weight': [4], 'self_attn.out_proj.weight': [H, H],
  };
  const shapes = {
    'model.embed_tokens.weight': [11, H], 'model.embedding_norm.weight': [H],
    ...blockShapes(3, ffn, {}),
    ...Object.fromEntries([0, 2].flatMap((l) => Object.entries(conv).map(([k, v]) => [`model.layers.${l}.${k}`, v]))),
    ...Object.fromEntries(Object.entries(attention).map(([k, v]) => [`model.layers.1.${k}`, v])),
  };

  it('short-convolution and attention layers by layer_types, the kernel squeezed and F32, the final norm as token_embd_norm, LFM2Model\'s keys in order', async () => {
    const plan = await planModel(folder(lfm2, shapes));
    expect(plan.architecture).toBe('lfm2');
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    expect([...byName.keys()].filter((n) => n.startsWith('blk.0.')).sort()).toEqual([
      'blk.0.attn_norm.weight', 'blk.0.ffn_down.weight', 'blk.0.ffn_gate.weight', 'blk.0.ffn_norm.weight', 'blk.0.ffn_up.weight',
      'blk.0.shortconv.conv.weight', 'blk.0.shortconv.in_proj.weight', 'blk.0.shortconv.out_proj.weight',
    ]);
    expect([...byName.keys()].filter((n) => n.startsWith('blk.1.')).sort()).toEqual([
      'blk.1.attn_k.weight', 'blk.1.attn_k_norm.weight', 'blk.1.attn_norm.weight', 'blk.1.attn_output.weight', 'blk.1.attn_q.weight', 'blk.1.attn_q_norm.weight',
      'blk.1.attn_v.weight', 'blk.1.ffn_down.weight', 'blk.1.ffn_gate.weight', 'blk.1.ffn_norm.weight', 'blk.1.ffn_up.weight',
    ]);
    const kernel = byName.get('blk.0.shortconv.conv.weight')!;
    expect([kernel.role, kernel.ne, kernel.quantizable]).toEqual(['shortconv_conv', [3, H], false]);
    expect([byName.get('blk.0.shortconv.in_proj.weight')!.ne, byName.get('blk.0.shortconv.in_proj.weight')!.quantizable]).toEqual([[H, 3 * H], true]);
    expect([byName.get('token_embd_norm.weight')!.role, byName.has('output_norm.weight'), byName.has('output.weight')]).toEqual(['output_norm', false, false]);
    // Nothing permuted: llama.cpp runs LFM2 with NeoX rope.
    expect(byName.get('blk.1.attn_q.weight')!.transform).toEqual({ kind: 'none' });
    expect(keys(plan).filter((k) => k.startsWith('lfm2.'))).toEqual([
      'lfm2.block_count', 'lfm2.context_length', 'lfm2.embedding_length', 'lfm2.feed_forward_length', 'lfm2.attention.head_count',
      'lfm2.attention.head_count_kv', 'lfm2.rope.freq_base', 'lfm2.attention.layer_norm_rms_epsilon', 'lfm2.vocab_size', 'lfm2.shortconv.l_cache',
    ]);
    expect(kv(plan, 'lfm2.attention.head_count_kv')).toEqual({ type: 'array', itemType: 'i32', value: [0, 1, 0] });
    expect([kv(plan, 'lfm2.feed_forward_length'), kv(plan, 'lfm2.shortconv.l_cache'), kv(plan, 'lfm2.attention.layer_norm_rms_epsilon')])
      .toEqual([{ type: 'u32', value: 32 }, { type: 'u32', value: 3 }, { type: 'f32', value: 1e-5 }]);
    // Lfm2Config's layer_types from full_attn_idxs, as transformers derives them.
    const fromIdxs = await planModel(folder({ ...lfm2, layer_types: undefined, full_attn_idxs: [1] }, shapes));
    expect(kv(fromIdxs, 'lfm2.attention.head_count_kv')).toEqual({ type: 'array', itemType: 'i32', value: [0, 1, 0] });
  });

  it('refuses what llama.cpp would not run as the checkpoint does, naming the field or tensor', async () => {
    await expect(planModel(folder({ ...lfm2, conv_bias: true }, shapes))).rejects.toThrow(/"conv_bias" is true: llama\.cpp's LFM2 has no convolution bias/);
    await expect(planModel(folder({ ...lfm2, layer_types: ['conv', 'conv', 'conv'] }, shapes))).rejects.toThrow(/no layer is "full_attention"/);
    await expect(planModel(folder({ ...lfm2, layer_types: ['conv', 'attention', 'conv'] }, shapes))).rejects.toThrow(/"layer_types" must list "conv" or "full_attention" for each of the 3 layers/);
    await expect(planModel(folder({ ...lfm2, layer_types: ['conv', 'conv', 'full_attention'] }, shapes))).rejects.toThrow(/no tensor for "blk\.1\.shortconv\.conv\.weight"/);
    await expect(planModel(folder({ ...lfm2, conv_L_cache: 4 }, shapes))).rejects.toThrow(/tensor "model\.layers\.0\.conv\.conv\.weight" has shape \[8, 1, 3\], but .*conv_L_cache 4\) implies \[8, 1, 4\]/);
    await expect(planModel(folder({ ...lfm2, block_multiple_of: 64 }, shapes))).rejects.toThrow(/tensor "model\.layers\.0\.feed_forward\.w1\.weight" has shape \[32, 8\], but .*intermediate_size 64\) implies \[64, 8\]/);
  });
});

describe('gpt-oss', () => {
  // gpt-oss-20b's keys at H = 32 (one MXFP4 block a row): 4 experts of width 32, two per token.
  const E = 4;
  const gptOss = {
    architectures: ['GptOssForCausalLM'], hidden_size: 32, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1,
    head_dim: 16, vocab_size: 11, max_position_embeddings: 131072, rms_norm_eps: 1e-5, rope_theta: 150000, sliding_window: 128, swiglu_limit: 7,
    num_local_experts: E, num_experts_per_tok: 2, experts_per_token: 2, layer_types: ['sliding_attention', 'full_attention'], tie_word_embeddings: false,
    rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 32, original_max_position_embeddings: 4096, rope_type: 'yarn', truncate: false },
  };
  const block = {
    'input_layernorm.weight': [32], 'post_attention_layernorm.weight': [32],
    'self_attn.q_proj.weight': [32, 32], 'self_attn.q_proj.bias': [32], 'self_attn.k_proj.weight': [16, 32], 'self_attn.k_proj.bias': [16],
    'self_attn.v_proj.weight': [16, 32], 'self_attn.v_proj.bias': [16], 'self_attn.o_proj.weight': [32, 32], 'self_attn.o_proj.bias': [32], 'self_attn.sinks': [2],
    'mlp.router.weight': [E, 32], 'mlp.router.bias': [E],
    'mlp.experts.gate_up_proj_blocks': [E, 64, 1, 16], 'mlp.experts.gate_up_proj_scales': [E, 64, 1], 'mlp.experts.gate_up_proj_bias': [E, 64],
    'mlp.experts.down_proj_blocks': [E, 32, 1, 16], 'mlp.experts.down_proj_scales': [E, 32, 1], 'mlp.experts.down_proj_bias': [E, 32],
  };
  const shapes = blockShapes(2, block, { 'model.embed_tokens.weight': [11, 32], 'model.norm.weight': [32], 'lm_head.weight': [11, 32] });

  it('MXFP4 experts kept as stored, gate and up split from interleaved rows, biases and sinks F32, TextModel keys with YaRN then the window and expert width', async () => {
    const files = folder(gptOss, shapes);
    const plan = await planModel(files);
    expect(plan.architecture).toBe('gpt-oss');
    const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
    expect([...byName.keys()].filter((n) => n.startsWith('blk.0.')).sort()).toEqual([
      'blk.0.attn_k.bias', 'blk.0.attn_k.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_output.bias', 'blk.0.attn_output.weight', 'blk.0.attn_q.bias',
      'blk.0.attn_q.weight', 'blk.0.attn_sinks.weight', 'blk.0.attn_v.bias', 'blk.0.attn_v.weight', 'blk.0.ffn_down_exps.bias', 'blk.0.ffn_down_exps.weight',
      'blk.0.ffn_gate_exps.bias', 'blk.0.ffn_gate_exps.weight', 'blk.0.ffn_gate_inp.bias', 'blk.0.ffn_gate_inp.weight', 'blk.0.ffn_up_exps.bias',
      'blk.0.ffn_up_exps.weight', 'blk.0.post_attention_norm.weight',
    ]);
    const summary = (name: string) => { const t = byName.get(name)!; return [t.role, t.ne, t.quantizable, t.storedType]; };
    expect(summary('blk.0.ffn_gate_exps.weight')).toEqual(['ffn_gate_exps', [32, 32, E], true, 'MXFP4']);
    expect(summary('blk.0.ffn_down_exps.weight')).toEqual(['ffn_down_exps', [32, 32, E], true, 'MXFP4']);
    expect(summary('blk.0.ffn_up_exps.bias')).toEqual(['ffn_up_exps_bias', [32, E], false, undefined]);
    expect(summary('blk.0.attn_sinks.weight')).toEqual(['attn_sinks', [2], false, undefined]);
    expect(summary('blk.0.post_attention_norm.weight')).toEqual(['post_attention_norm', [32], false, undefined]);
    // The gate's bias: values 0, 2, 4, … of each expert's row of 64; the up's: 1, 3, 5, ….
    const gateBias = await readTensorF32(byName.get('blk.0.ffn_gate_exps.bias')!, files);
    const upBias = await readTensorF32(byName.get('blk.0.ffn_up_exps.bias')!, files);
    expect([gateBias[0], gateBias[1], gateBias[32], upBias[0], upBias[1]]).toEqual([0, 2 / 64, 64 / 64, 1 / 64, 3 / 64]);
    expect(keys(plan).filter((k) => k.startsWith('gpt-oss.'))).toEqual([
      'gpt-oss.block_count', 'gpt-oss.context_length', 'gpt-oss.embedding_length', 'gpt-oss.feed_forward_length', 'gpt-oss.attention.head_count',
      'gpt-oss.attention.head_count_kv', 'gpt-oss.rope.scaling.type', 'gpt-oss.rope.scaling.factor', 'gpt-oss.rope.scaling.original_context_length',
      'gpt-oss.rope.scaling.yarn_beta_fast', 'gpt-oss.rope.scaling.yarn_beta_slow', 'gpt-oss.rope.freq_base', 'gpt-oss.attention.layer_norm_rms_epsilon',
      'gpt-oss.expert_count', 'gpt-oss.expert_used_count', 'gpt-oss.attention.key_length', 'gpt-oss.attention.value_length',
      'gpt-oss.attention.sliding_window', 'gpt-oss.expert_feed_forward_length',
    ]);
    expect([kv(plan, 'gpt-oss.rope.scaling.type'), kv(plan, 'gpt-oss.rope.scaling.original_context_length'), kv(plan, 'gpt-oss.attention.sliding_window')])
      .toEqual([{ type: 'string', value: 'yarn' }, { type: 'u32', value: 4096 }, { type: 'u32', value: 128 }]);
  });

  it('refuses what llama.cpp would not run as the checkpoint does and experts of the wrong shape, naming the field or tensor', async () => {
    await expect(planModel(folder({ ...gptOss, layer_types: ['full_attention', 'sliding_attention'] }, shapes))).rejects.toThrow(/"layer_types" is .*: llama\.cpp's gpt-oss slides every even layer/);
    await expect(planModel(folder({ ...gptOss, swiglu_limit: 10 }, shapes))).rejects.toThrow(/"swiglu_limit" is 10, but llama\.cpp's gpt-oss clamps at 7/);
    const { 'model.layers.1.mlp.experts.down_proj_scales': _, ...noScales } = shapes;
    await expect(planModel(folder(gptOss, noScales))).rejects.toThrow(/tensor "model\.layers\.1\.mlp\.experts\.down_proj_blocks" has no "model\.layers\.1\.mlp\.experts\.down_proj_scales" beside it/);
    // Unquantized experts (a BF16 fine-tune) are inputs by outputs: [experts, n_embd, 2·ff], not the MXFP4 rows' [experts, 2·ff, n_embd].
    const { 'model.layers.0.mlp.experts.gate_up_proj_blocks': _b, 'model.layers.0.mlp.experts.gate_up_proj_scales': _s, ...mxfp4Gone } = shapes;
    await expect(planModel(folder(gptOss, { ...mxfp4Gone, 'model.layers.0.mlp.experts.gate_up_proj': [E, 64, 32] })))
      .rejects.toThrow(/tensor "model\.layers\.0\.mlp\.experts\.gate_up_proj" has shape \[4, 64, 32\], but .* implies \[4, 32, 64\]/);
    await expect(planModel(folder({ ...gptOss, rope_scaling: { ...gptOss.rope_scaling, original_max_position_embeddings: undefined } }, shapes))).rejects.toThrow(/yarn rope scaling needs "original_max_position_embeddings"/);
  });
});

describe('Llama 3 rope scaling', () => {
  const scaling = { type: 'llama3' as const, factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192 };

  it('computes n_rot/2 factors: 1 at high frequency, factor at low, the smooth blend between', () => {
    const f = llama3RopeFactors(scaling, 500000, 16);
    expect(f).toHaveLength(8);
    expect(Array.from(f.slice(0, 4))).toEqual([1, 1, 1, 1]);
    expect(Array.from(f.slice(5))).toEqual([32, 32, 32]);
    // i = 4: wavelen = 2π·500000^(8/16) ≈ 4442.9, inside (2048, 8192): the blend, to float32 precision.
    const wavelen = 2 * Math.PI * Math.pow(500000, 0.5);
    const smooth = (8192 / wavelen - 1) / 3;
    expect(f[4]).toBeCloseTo(1 / ((1 - smooth) / 32 + smooth), 5);
    expect(f[4]).toBe(Math.fround(f[4]!));
  });

  it('plans rope_freqs.weight as a generated F32 tensor that readTensorF32 returns', async () => {
    const config = {
      architectures: ['LlamaForCausalLM'], hidden_size: H, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, vocab_size: 11,
      rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    };
    const shapes = blockShapes(1, {
      'input_layernorm.weight': [H], 'self_attn.q_proj.weight': [H, H], 'self_attn.k_proj.weight': [H, H], 'self_attn.v_proj.weight': [H, H], 'self_attn.o_proj.weight': [H, H],
      'post_attention_layernorm.weight': [H], 'mlp.gate_proj.weight': [16, H], 'mlp.up_proj.weight': [16, H], 'mlp.down_proj.weight': [H, 16],
    }, { 'model.embed_tokens.weight': [11, H], 'model.norm.weight': [H] });
    const files = folder(config, shapes);
    const plan = await planModel(files);
    const rope = plan.tensors.find((t) => t.ggufName === 'rope_freqs.weight')!;
    expect([rope.role, rope.layer, rope.ne, rope.quantizable, rope.source.kind]).toEqual(['rope_freqs', null, [2], false, 'generated']);
    expect(Array.from(await readTensorF32(rope, files))).toEqual(Array.from(llama3RopeFactors({ ...scaling }, 500000, 4)));
    expect(keys(plan)).not.toContain('llama.rope.scaling.type');
  });
});

describe('chat templates', () => {
  it('writes named templates, their list, then the default, as gguf-py does', () => {
    const kvs = chatTemplateKvs([{ name: 'default', template: 'D' }, { name: 'tool-use', template: 'T' }, { name: 'rag', template: 'R' }]);
    expect(kvs.map((k) => [k.key, k.value.value])).toEqual([
      ['tokenizer.chat_template.tool_use', 'T'], ['tokenizer.chat_template.rag', 'R'], ['tokenizer.chat_templates', ['tool_use', 'rag']], ['tokenizer.chat_template', 'D'],
    ]);
  });
});
