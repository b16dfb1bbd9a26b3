// Every planned tensor's shape against the hyperparameters the GGUF states beside it. llama.cpp's
// loader creates each tensor with the shape those keys imply and refuses the file when one differs;
// we refuse it first, naming the tensor and the config.json fields that disagree.
import type { ModelConfig } from './config.ts';
import type { PlannedTensor, TensorRole } from './plan-types.ts';

export interface ShapeRules {
  /** Phi-3 keeps gate and up fused in ffn_up: 2 × intermediate_size rows. */
  fusedGateUp?: boolean;
  /** OLMo 2 norms q and k over the whole projection: q_norm and k_norm are as wide as q and k. */
  qkNormOverProjection?: boolean;
}

function expectedNe(role: TensorRole, c: ModelConfig, rules: ShapeRules): { ne: number[]; fields: string } | null {
  const headDim = c.headDim ?? c.hiddenSize / c.headCount;
  const q = c.headCount * headDim;
  const kv = c.headCountKv * headDim;
  const dims = `hidden_size ${c.hiddenSize}, num_attention_heads ${c.headCount}, num_key_value_heads ${c.headCountKv}, head_dim ${headDim}`;
  const ff = `hidden_size ${c.hiddenSize}, intermediate_size ${c.intermediateSize}`;
  switch (role) {
    case 'output': return { ne: [c.hiddenSize, c.vocabSize], fields: `hidden_size ${c.hiddenSize}, vocab_size ${c.vocabSize}` };
    case 'output_norm': case 'attn_norm': case 'ffn_norm': case 'post_attention_norm': case 'post_ffw_norm':
      return { ne: [c.hiddenSize], fields: `hidden_size ${c.hiddenSize}` };
    case 'attn_q': return { ne: [c.hiddenSize, q], fields: dims };
    case 'attn_k': case 'attn_v': return { ne: [c.hiddenSize, kv], fields: dims };
    case 'attn_qkv': return { ne: [c.hiddenSize, q + 2 * kv], fields: dims };
    case 'attn_output': return { ne: [q, c.hiddenSize], fields: dims };
    case 'attn_q_norm': return { ne: [rules.qkNormOverProjection ? q : headDim], fields: dims };
    case 'attn_k_norm': return { ne: [rules.qkNormOverProjection ? kv : headDim], fields: dims };
    case 'attn_q_bias': return { ne: [q], fields: dims };
    case 'attn_k_bias': case 'attn_v_bias': return { ne: [kv], fields: dims };
    case 'attn_sinks': return { ne: [c.headCount], fields: dims };
    case 'attn_output_bias': return { ne: [c.hiddenSize], fields: `hidden_size ${c.hiddenSize}` };
    case 'ffn_gate': return { ne: [c.hiddenSize, c.intermediateSize], fields: ff };
    case 'ffn_up': return { ne: [c.hiddenSize, (rules.fusedGateUp ? 2 : 1) * c.intermediateSize], fields: ff };
    case 'ffn_down': return { ne: [c.intermediateSize, c.hiddenSize], fields: ff };
    case 'shortconv_in': return { ne: [c.hiddenSize, 3 * c.hiddenSize], fields: `hidden_size ${c.hiddenSize}` };
    case 'shortconv_out': return { ne: [c.hiddenSize, c.hiddenSize], fields: `hidden_size ${c.hiddenSize}` };
    case 'ffn_gate_inp': case 'ffn_gate_exps': case 'ffn_up_exps': case 'ffn_down_exps':
    case 'ffn_gate_inp_bias': case 'ffn_gate_exps_bias': case 'ffn_up_exps_bias': case 'ffn_down_exps_bias': {
      const e = c.experts;
      if (!e) return null; // a dense family never plans these
      const moe = `hidden_size ${c.hiddenSize}, num_experts ${e.count}, moe_intermediate_size ${e.feedForward}`;
      if (role === 'ffn_gate_inp') return { ne: [c.hiddenSize, e.count], fields: moe };
      if (role === 'ffn_gate_inp_bias') return { ne: [e.count], fields: moe };
      if (role === 'ffn_down_exps_bias') return { ne: [c.hiddenSize, e.count], fields: moe };
      if (role === 'ffn_gate_exps_bias' || role === 'ffn_up_exps_bias') return { ne: [e.feedForward, e.count], fields: moe };
      if (role === 'ffn_down_exps') return { ne: [e.feedForward, c.hiddenSize, e.count], fields: moe };
      return { ne: [c.hiddenSize, e.feedForward, e.count], fields: moe };
    }
    case 'ffn_gate_shexp': case 'ffn_up_shexp': case 'ffn_down_shexp': {
      const shared = c.experts?.sharedFeedForward;
      if (shared === undefined) return null;
      const fields = `hidden_size ${c.hiddenSize}, shared_intermediate_size ${shared}`;
      return { ne: role === 'ffn_down_shexp' ? [shared, c.hiddenSize] : [c.hiddenSize, shared], fields };
    }
    default: return null; // token_embd is checked against vocab_size where it is planned; rope_freqs is generated
  }
}

export function checkTensorShapes(tensors: readonly PlannedTensor[], config: ModelConfig, rules: ShapeRules): void {
  for (const t of tensors) {
    const want = expectedNe(t.role, config, rules);
    if (want && want.ne.join() !== t.ne.join()) {
      const hfShape = [...want.ne].reverse();
      throw new Error(`${t.source.file}: tensor "${t.hfName}" has shape [${t.source.shape.join(', ')}], but ${config.file} (${want.fields}) implies [${hfShape.join(', ')}]; llama.cpp would refuse the file`);
    }
  }
}
