// Hugging Face tensor names -> GGUF names and roles (gguf-py's tensor_mapping), shared by the
// families; a family passes overrides where its names mean something else (Gemma's norms).
import type { TensorRole } from './plan-types.ts';

export interface MappedTensorName {
  ggufName: string;
  role: TensorRole;
  layer: number | null;
}

const GLOBAL_TENSORS: Record<string, { ggufName: string; role: TensorRole }> = {
  'model.embed_tokens.weight': { ggufName: 'token_embd.weight', role: 'token_embd' },
  'lm_head.weight': { ggufName: 'output.weight', role: 'output' },
  'model.norm.weight': { ggufName: 'output_norm.weight', role: 'output_norm' },
  // LFM2's final norm: gguf-py maps it to token_embd_norm, and llama.cpp's LFM2 reads it under that
  // name as the output norm (no other family here has the tensor).
  'model.embedding_norm.weight': { ggufName: 'token_embd_norm.weight', role: 'output_norm' },
};

/** The part after `model.layers.N.` -> GGUF suffix and role. */
export type BlockTensorTable = Record<string, { suffix: string; role: TensorRole }>;

const BLOCK_TENSORS: BlockTensorTable = {
  'input_layernorm.weight': { suffix: 'attn_norm.weight', role: 'attn_norm' },
  'self_attn.q_proj.weight': { suffix: 'attn_q.weight', role: 'attn_q' },
  'self_attn.k_proj.weight': { suffix: 'attn_k.weight', role: 'attn_k' },
  'self_attn.v_proj.weight': { suffix: 'attn_v.weight', role: 'attn_v' },
  'self_attn.o_proj.weight': { suffix: 'attn_output.weight', role: 'attn_output' },
  'self_attn.q_proj.bias': { suffix: 'attn_q.bias', role: 'attn_q_bias' },
  'self_attn.k_proj.bias': { suffix: 'attn_k.bias', role: 'attn_k_bias' },
  'self_attn.v_proj.bias': { suffix: 'attn_v.bias', role: 'attn_v_bias' },
  'post_attention_layernorm.weight': { suffix: 'ffn_norm.weight', role: 'ffn_norm' },
  'mlp.gate_proj.weight': { suffix: 'ffn_gate.weight', role: 'ffn_gate' },
  'mlp.up_proj.weight': { suffix: 'ffn_up.weight', role: 'ffn_up' },
  'mlp.down_proj.weight': { suffix: 'ffn_down.weight', role: 'ffn_down' },
  'self_attn.q_norm.weight': { suffix: 'attn_q_norm.weight', role: 'attn_q_norm' },
  'self_attn.k_norm.weight': { suffix: 'attn_k_norm.weight', role: 'attn_k_norm' },
  // Phi-3's fused projections: llama.cpp takes them as they are (attn_qkv; ffn_up = [gate; up]).
  'self_attn.qkv_proj.weight': { suffix: 'attn_qkv.weight', role: 'attn_qkv' },
  'mlp.gate_up_proj.weight': { suffix: 'ffn_up.weight', role: 'ffn_up' },
};

const BLOCK_PREFIX = /^model\.layers\.(\d+)\.(.+)$/;

/** Tensors the converter drops without a word (precomputed rope tables in old checkpoints). */
export function isIgnoredHfTensor(hfName: string): boolean {
  return hfName.endsWith('.rotary_emb.inv_freq');
}

/** Returns undefined for a name this architecture does not know. */
export function mapLlamaTensorName(hfName: string, layerCount: number, overrides: BlockTensorTable = {}): MappedTensorName | undefined {
  const global = GLOBAL_TENSORS[hfName];
  if (global) return { ...global, layer: null };
  const m = BLOCK_PREFIX.exec(hfName);
  if (!m) return undefined;
  const layer = Number(m[1]);
  const block = overrides[m[2]!] ?? BLOCK_TENSORS[m[2]!];
  if (!block || layer >= layerCount) return undefined;
  return { ggufName: `blk.${layer}.${block.suffix}`, role: block.role, layer };
}

/** One expert's projection in a per-expert checkpoint (Qwen MoE: mlp.experts.E.gate_proj.weight). */
export interface ExpertPart {
  layer: number;
  expert: number;
  /** The stacked tensor it belongs to. */
  ggufName: string;
  role: 'ffn_gate_exps' | 'ffn_up_exps' | 'ffn_down_exps';
}

const EXPERT_PART = /^model\.layers\.(\d+)\.mlp\.experts\.(\d+)\.(gate|up|down)_proj\.weight$/;

/** The stacked tensor an expert's projection goes into; undefined for any other name or a layer past the count. */
export function mapExpertPart(hfName: string, layerCount: number): ExpertPart | undefined {
  const m = EXPERT_PART.exec(hfName);
  if (!m || Number(m[1]) >= layerCount) return undefined;
  const layer = Number(m[1]);
  const role = `ffn_${m[3]}_exps` as ExpertPart['role'];
  return { layer, expert: Number(m[2]), ggufName: `blk.${layer}.${role}.weight`, role };
}

/**
 * tensor_allows_quantization: llama.cpp quantizes 2-D (or more) `.weight` tensors except norms, a
 * MoE router (ffn_gate_inp), convolution kernels (LFM2's short one, Mamba's ssm_conv1d) and a few
 * small ones of families read from GGUF sources (altup, laurel, per-layer projections, position
 * and token-type embeddings, indexer projections); the converter writes those F32 and
 * llama-quantize leaves them as they are.
 */
const NEVER_QUANTIZED = [
  '_norm.weight', 'ffn_gate_inp.weight', 'ffn_gate_tid2eid.weight', 'altup', 'laurel', 'per_layer_model_proj',
  'ssm_conv1d', 'shortconv.conv.weight', 'indexer.k_proj.weight', 'indexer.q_proj.weight',
];

export function isQuantizableTensor(ggufName: string, ne: readonly number[]): boolean {
  return ggmlDimCount(ne) >= 2 && ggufName.endsWith('weight') && !NEVER_QUANTIZED.some((part) => ggufName.includes(part))
    && ggufName !== 'position_embd.weight' && ggufName !== 'token_types.weight';
}

/** ggml_n_dims: trailing 1s do not count, at least 1. */
export function ggmlDimCount(ne: readonly number[]): number {
  for (let i = ne.length - 1; i >= 1; i--) if (ne[i] !== 1) return i + 1;
  return 1;
}
