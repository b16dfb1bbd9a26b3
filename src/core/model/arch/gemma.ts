// Gemma 2 and Gemma 3 (text): norms stored as w + 1 (Gemma's RMSNorm scales by 1 + w), sandwich
// norms around attention and FFN, no output tensor (tied), embedding scale applied by llama.cpp
// at run time (so not baked in), add_space_prefix = false.
import { configFields, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import type { TensorRole, TensorTransform } from '../plan-types.ts';
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, type ArchitectureSpec } from './architecture.ts';

const GEMMA_NORMS: BlockTensorTable = {
  'post_attention_layernorm.weight': { suffix: 'post_attention_norm.weight', role: 'post_attention_norm' },
  'pre_feedforward_layernorm.weight': { suffix: 'ffn_norm.weight', role: 'ffn_norm' },
  'post_feedforward_layernorm.weight': { suffix: 'post_ffw_norm.weight', role: 'post_ffw_norm' },
};

/** The converter's test is on the HF name: every `*norm.weight` gets + 1. */
function gemmaTransformOf(_role: TensorRole, hfName: string): TensorTransform {
  return hfName.endsWith('norm.weight') ? { kind: 'add-one' } : { kind: 'none' };
}

const GEMMA_BLOCK = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'post_attention_norm', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down', 'post_ffw_norm'];

function requiredNumber(config: ModelConfig, key: string): number {
  const v = config.raw[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${config.file}: "${key}" must be a number for ${config.hfArchitecture} (got ${JSON.stringify(v ?? null)})`);
  return v;
}

/** Gemma2Model.set_gguf_parameters: its own list, not TextModel's. */
function gemma2Kvs(config: ModelConfig) {
  const fields = configFields(config.raw, config.file);
  const kv = new KvList();
  kv.u32('gemma2.context_length', fields.int('max_position_embeddings'))
    .u32('gemma2.embedding_length', config.hiddenSize)
    .u32('gemma2.block_count', config.layerCount)
    .u32('gemma2.feed_forward_length', config.intermediateSize)
    .u32('gemma2.attention.head_count', config.headCount)
    .u32('gemma2.attention.head_count_kv', config.headCountKv)
    .f32('gemma2.attention.layer_norm_rms_epsilon', requiredNumber(config, 'rms_norm_eps'))
    .u32('gemma2.attention.key_length', fields.int('head_dim'))
    .u32('gemma2.attention.value_length', fields.int('head_dim'))
    .f32('gemma2.attn_logit_softcapping', requiredNumber(config, 'attn_logit_softcapping'))
    .f32('gemma2.final_logit_softcapping', requiredNumber(config, 'final_logit_softcapping'))
    .u32('gemma2.attention.sliding_window', fields.int('sliding_window'));
  return kv.toArray();
}

/** TextModel's keys, then Gemma3Model's defaults and extras (a key set again keeps its place). */
function gemma3Kvs(config: ModelConfig) {
  const raw = config.raw;
  const fields = configFields(raw, config.file);
  const kv = textModelKvs('gemma3', config);
  kv.u32('gemma3.context_length', config.contextLength ?? 131072)
    .u32('gemma3.attention.head_count', config.headCount)
    .f32('gemma3.attention.layer_norm_rms_epsilon', config.rmsNormEps ?? 1e-6)
    .u32('gemma3.attention.key_length', config.headDim ?? 256)
    .u32('gemma3.attention.value_length', config.headDim ?? 256)
    .f32('gemma3.rope.freq_base', config.ropeTheta ?? 1_000_000);
  if (raw.attn_logit_softcapping !== undefined && raw.attn_logit_softcapping !== null) {
    throw new Error(`${config.file}: attn_logit_softcapping is set, which Gemma 3 does not have (the converter refuses it too)`);
  }
  const softcap = fields.optionalNumber('final_logit_softcapping');
  if (softcap) kv.f32('gemma3.final_logit_softcapping', softcap);
  if (raw.sliding_window_pattern !== 1) kv.u32('gemma3.attention.sliding_window', fields.int('sliding_window'));
  kv.u32('gemma3.attention.head_count_kv', config.headCountKvStated ?? 4);
  return kv.toArray();
}

export const GEMMA2: ArchitectureSpec = {
  ggufArchitecture: 'gemma2',
  blockOverrides: GEMMA_NORMS,
  // Gemma2Model.filter_tensors: lm_head is not used by llama.cpp (tied), dropped.
  skipsTensor: (hfName) => hfName === 'lm_head.weight',
  transformOf: gemmaTransformOf,
  requiredBlockSuffixes: () => blockSuffixes(...GEMMA_BLOCK),
  hparamKvs: gemma2Kvs,
  tokenizer: { addSpacePrefix: false, dropAddedTokensBeyondVocab: true },
};

export const GEMMA3: ArchitectureSpec = {
  ggufArchitecture: 'gemma3',
  blockOverrides: GEMMA_NORMS,
  transformOf: gemmaTransformOf,
  requiredBlockSuffixes: () => blockSuffixes(...GEMMA_BLOCK, 'attn_q_norm', 'attn_k_norm'),
  hparamKvs: gemma3Kvs,
  truncatesEmbeddingToVocab: true,
  tokenizer: { addSpacePrefix: false, dropAddedTokensBeyondVocab: true },
};
