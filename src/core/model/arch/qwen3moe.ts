// Qwen3-MoE (GGUF "qwen3moe"): Qwen3's attention (per-head q/k norms, NeoX rope) with every
// layer's feed-forward a mixture of experts: a router (mlp.gate -> ffn_gate_inp, kept F32) and
// each expert's gate/up/down projections, which the converter stacks into one 3-D tensor per
// projection and layer. llama.cpp runs every layer as MoE, with softmax gating and the top-k
// weights renormalised: checkpoints that differ are refused rather than converted into a file
// llama.cpp would run unlike the checkpoint.
import { shownValue } from '../../json-input.ts';
import type { ModelConfig } from '../config.ts';
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';
import { MOE_FFN_SUFFIXES, readExperts } from './experts.ts';

function qwen3MoeConfig(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  const experts = readExperts(config, 'moe_intermediate_size');
  const step = raw.decoder_sparse_step;
  if (step !== undefined && step !== null && step !== 1) {
    throw new Error(`${file}: "decoder_sparse_step" is ${shownValue(step)}: llama.cpp's qwen3moe runs every layer as mixture-of-experts (step 1)`);
  }
  const dense = raw.mlp_only_layers;
  if (Array.isArray(dense) ? dense.length > 0 : dense !== undefined && dense !== null) {
    throw new Error(`${file}: "mlp_only_layers" is ${shownValue(dense)}: llama.cpp's qwen3moe has no dense layers`);
  }
  if (raw.norm_topk_prob === false) {
    throw new Error(`${file}: "norm_topk_prob" is false, but llama.cpp's qwen3moe always renormalises the chosen experts' weights`);
  }
  return { ...config, experts };
}

function qwen3MoeKvs(config: ModelConfig) {
  // Qwen2MoeModel adds the expert width after TextModel's keys.
  return textModelKvs('qwen3moe', config).u32('qwen3moe.expert_feed_forward_length', config.experts!.feedForward).toArray();
}

/** The router, as the Qwen and OLMoE checkpoints name it. */
export const MLP_GATE_ROUTER = { 'mlp.gate.weight': { suffix: 'ffn_gate_inp.weight', role: 'ffn_gate_inp' } } as const;

export const QWEN3MOE: ArchitectureSpec = {
  ggufArchitecture: 'qwen3moe',
  blockOverrides: MLP_GATE_ROUTER,
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes('attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_q_norm', 'attn_k_norm', ...MOE_FFN_SUFFIXES),
  convertedConfig: qwen3MoeConfig,
  hparamKvs: qwen3MoeKvs,
  tokenizer: {},
};
