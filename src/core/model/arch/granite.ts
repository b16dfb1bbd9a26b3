// Granite 3.x dense (GGUF "granite"): converted as Llama (Q/K permuted, LlamaModel keys) with four
// multipliers written as scales after them: attention.scale (the attention's QK scale),
// embedding_scale, residual_scale (each block output before the residual add) and logit_scale
// (logits divided by it). The converter drops config.json's head_dim: llama.cpp derives the head
// size from hidden_size / num_attention_heads, so a head_dim that differs is refused here.
import { shownValue } from '../../json-input.ts';
import { configFields, fitsF32, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import { llamaKvs } from '../llama-metadata.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import type { PlannedTensor, SourceTensor, TensorRole } from '../plan-types.ts';
import { stackedTensor } from '../stacked-experts.ts';
import { blockSuffixes, type ArchitectureSpec } from './architecture.ts';
import { MOE_FFN_SUFFIXES, readExperts } from './experts.ts';
import { LLAMA } from './llama.ts';

/** config.json key -> GGUF key suffix, in the converter's order; written only when non-zero. */
const SCALES: [string, string][] = [
  ['attention_multiplier', 'attention.scale'],
  ['embedding_multiplier', 'embedding_scale'],
  ['residual_multiplier', 'residual_scale'],
  ['logits_scaling', 'logit_scale'],
];

/**
 * The converter pops head_dim; one that differs from hidden / heads would make a file llama.cpp
 * runs wrongly. llama.cpp's Granite loader requires logit_scale (the other scales it reads when present).
 */
function graniteConfig(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  if (raw.logits_scaling === undefined || raw.logits_scaling === null || raw.logits_scaling === 0) {
    throw new Error(`${file}: "logits_scaling" is missing: llama.cpp needs granite.logit_scale to load a Granite file`);
  }
  if (config.headDim !== undefined && config.headDim * config.headCount !== config.hiddenSize) {
    throw new Error(`${config.file}: "head_dim" ${config.headDim} is not hidden_size / num_attention_heads (${config.hiddenSize / config.headCount}): llama.cpp ignores it for Granite and would run the file with the wrong head size`);
  }
  return { ...config, headDim: undefined };
}

export function graniteKvs(config: ModelConfig, arch: string) {
  const { raw, file } = config;
  const kv = new KvList();
  for (const [key, suffix] of SCALES) {
    const v = raw[key];
    if (v === undefined || v === null || v === 0) continue;
    if (typeof v !== 'number' || !fitsF32(v)) throw new Error(`${file}: "${key}" must be a number within float32's range (got ${shownValue(v)})`);
    kv.f32(`${arch}.${suffix}`, v);
  }
  return [...llamaKvs(config, arch), ...kv.toArray()];
}

export const GRANITE: ArchitectureSpec = {
  ...LLAMA,
  ggufArchitecture: 'granite',
  convertedConfig: graniteConfig,
  hparamKvs: (config) => graniteKvs(config, 'granite'),
};

// Granite 3 MoE (GGUF "granitemoe", granite-3.x-1b-a400m / 3b-a800m): Granite with every layer's
// feed-forward a mixture of experts, stored as 3-D tensors already: the router
// (block_sparse_moe.router.layer), output_linear (the experts' down projections) and
// input_linear, each expert's gate and up fused [2·ff, n_embd], which the converter splits into
// ffn_gate_exps (the first ff rows) and ffn_up_exps. llama.cpp routes by softmax over the top-k
// and renormalises. GraniteMoeShared (shared_intermediate_size) adds a shared expert every token
// goes through: shared_mlp.input_linear split the same way into ffn_gate_shexp and ffn_up_shexp,
// shared_mlp.output_linear as ffn_down_shexp, and its width as expert_shared_feed_forward_length.

export const GRANITEMOE_TENSORS: BlockTensorTable = {
  'block_sparse_moe.router.layer.weight': { suffix: 'ffn_gate_inp.weight', role: 'ffn_gate_inp' },
  'block_sparse_moe.output_linear.weight': { suffix: 'ffn_down_exps.weight', role: 'ffn_down_exps' },
  'shared_mlp.output_linear.weight': { suffix: 'ffn_down_shexp.weight', role: 'ffn_down_shexp' },
};

const INPUT_LINEAR = /^model\.layers\.(\d+)\.block_sparse_moe\.input_linear\.weight$/;
const SHARED_INPUT_LINEAR = /^model\.layers\.(\d+)\.shared_mlp\.input_linear\.weight$/;

function graniteMoeConfig(config: ModelConfig): ModelConfig {
  const experts = readExperts(config, 'intermediate_size', 'num_local_experts');
  // The converter's `if shared_feed_forward_length := ...`: a 0 or absent width means no shared expert.
  const shared = config.raw.shared_intermediate_size;
  if (shared !== undefined && shared !== null && shared !== 0) experts.sharedFeedForward = configFields(config.raw, config.file).int('shared_intermediate_size');
  return { ...graniteConfig(config), experts };
}

/**
 * A fused gate|up [2·ff, n_embd] (Granite's shared_mlp.input_linear) -> two GGUF tensors, the
 * first ff rows and the rest, each a byte range of it, with the two `roles`.
 */
export function splitGateUp(source: SourceTensor, config: ModelConfig, layer: number, ff: number, widthKey: string, roles: readonly [TensorRole, TensorRole]): PlannedTensor[] {
  const want = [2 * ff, config.hiddenSize];
  if (source.shape.join() !== want.join()) {
    throw new Error(`${source.file}: tensor "${source.name}" has shape [${source.shape.join(', ')}], but ${config.file} (${widthKey} ${ff}, hidden_size ${config.hiddenSize}) implies [${want.join(', ')}]`);
  }
  const half = source.byteLength / 2;
  return roles.map((role, h) => {
    const which = h === 0 ? 'gate' : 'up';
    return {
      ggufName: `blk.${layer}.${role}.weight`,
      hfName: `${source.name} (${which} half)`,
      role,
      layer,
      ne: [config.hiddenSize, ff],
      source: { ...source, name: `${source.name}[${which}]`, shape: [ff, config.hiddenSize], offset: source.offset + h * half, byteLength: half },
      transform: { kind: 'none' },
      quantizable: true,
    };
  });
}

/** The experts' input_linear, or a shared expert's. */
export function splitGraniteMoeTensor(source: SourceTensor, config: ModelConfig): PlannedTensor[] | undefined {
  const shared = SHARED_INPUT_LINEAR.exec(source.name);
  const sharedWidth = config.experts?.sharedFeedForward;
  if (shared && sharedWidth !== undefined && Number(shared[1]) < config.layerCount) {
    return splitGateUp(source, config, Number(shared[1]), sharedWidth, 'shared_intermediate_size', ['ffn_gate_shexp', 'ffn_up_shexp']);
  }
  return splitInputLinear(source, config);
}

/** input_linear [experts, 2·ff, n_embd] -> ffn_gate_exps and ffn_up_exps, each expert's halves as byte ranges of it. */
function splitInputLinear(source: SourceTensor, config: ModelConfig): PlannedTensor[] | undefined {
  const m = INPUT_LINEAR.exec(source.name);
  if (!m || Number(m[1]) >= config.layerCount) return undefined;
  const layer = Number(m[1]);
  const { count, feedForward: ff } = config.experts!;
  const want = [count, 2 * ff, config.hiddenSize];
  if (source.shape.join() !== want.join()) {
    throw new Error(`${source.file}: tensor "${source.name}" has shape [${source.shape.join(', ')}], but ${config.file} (num_local_experts ${count}, intermediate_size ${ff}, hidden_size ${config.hiddenSize}) implies [${want.join(', ')}]`);
  }
  const rowBytes = source.byteLength / (count * 2 * ff);
  return (['gate', 'up'] as const).map((half, h) => {
    const parts: SourceTensor[] = Array.from({ length: count }, (_, e) => ({
      ...source, name: `${source.name}[${e}, ${half}]`, shape: [ff, config.hiddenSize],
      offset: source.offset + (e * 2 + h) * ff * rowBytes, byteLength: ff * rowBytes,
    }));
    const role = half === 'gate' ? 'ffn_gate_exps' : 'ffn_up_exps';
    return stackedTensor({ ggufName: `blk.${layer}.${role}.weight`, role, layer, name: `${source.name} (${half} half)`, parts });
  });
}

export const GRANITEMOE: ArchitectureSpec = {
  ...LLAMA,
  ggufArchitecture: 'granitemoe',
  blockOverrides: GRANITEMOE_TENSORS,
  expandsTensor: splitGraniteMoeTensor,
  requiredBlockSuffixes: (config) => blockSuffixes(
    'attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', ...MOE_FFN_SUFFIXES,
    ...(config.experts?.sharedFeedForward === undefined ? [] : ['ffn_gate_shexp', 'ffn_up_shexp', 'ffn_down_shexp']),
  ),
  convertedConfig: graniteMoeConfig,
  hparamKvs: (config) => {
    const shared = config.experts?.sharedFeedForward;
    return [...graniteKvs(config, 'granitemoe'), ...(shared === undefined ? [] : [{ key: 'granitemoe.expert_shared_feed_forward_length', value: { type: 'u32' as const, value: shared } }])];
  },
};
