// OLMoE (GGUF "olmoe", OLMoE-1B-7B): Llama-style pre-norms, q/k norms over the whole projection
// (llama.cpp sizes the k norm n_embd, so key/value heads must equal the heads), NeoX rope, and
// every layer a mixture of experts whose width is intermediate_size, routed by softmax over the
// top-k without renormalising (llama.cpp's olmoe hard-codes it, as the checkpoint's
// norm_topk_prob false says). Keys are TextModel's; the converter then sets the RMS epsilon to
// 1e-5 whatever config.json says.
import { shownValue } from '../../json-input.ts';
import type { ModelConfig } from '../config.ts';
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';
import { MOE_FFN_SUFFIXES, readExperts } from './experts.ts';
import { MLP_GATE_ROUTER } from './qwen3moe.ts';

function olmoeConfig(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  const experts = readExperts(config, 'intermediate_size');
  if (raw.norm_topk_prob === true) throw new Error(`${file}: "norm_topk_prob" is true, but llama.cpp's olmoe never renormalises the chosen experts' weights`);
  if (raw.clip_qkv !== undefined && raw.clip_qkv !== null) throw new Error(`${file}: "clip_qkv" is ${shownValue(raw.clip_qkv)}: llama.cpp's olmoe does not clip q, k and v`);
  if (config.headCountKv !== config.headCount) {
    throw new Error(`${file}: "num_key_value_heads" ${config.headCountKv} differs from "num_attention_heads" ${config.headCount}: llama.cpp's olmoe sizes the k norm for as many key heads as query heads`);
  }
  if (raw.tie_word_embeddings === true) throw new Error(`${file}: "tie_word_embeddings" is true, but llama.cpp runs OLMoE only with its own output.weight`);
  return { ...config, experts };
}

export const OLMOE: ArchitectureSpec = {
  ggufArchitecture: 'olmoe',
  blockOverrides: MLP_GATE_ROUTER,
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes('attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_q_norm', 'attn_k_norm', ...MOE_FFN_SUFFIXES),
  convertedConfig: olmoeConfig,
  hparamKvs: (config) => textModelKvs('olmoe', config).f32('olmoe.attention.layer_norm_rms_epsilon', 1e-5).toArray(),
  shapeRules: { qkNormOverProjection: true },
  tokenizer: {},
};
