// LFM2 (Lfm2ForCausalLM, GGUF "lfm2"): a hybrid of short-convolution layers and grouped-query
// attention layers, as llama.cpp's converter (LFM2Model) writes it:
// - config.json's layer_types ("conv" / "full_attention") become head_count_kv per layer, 0 for a
//   convolution layer (that is how llama.cpp tells the layers apart);
// - a convolution layer holds shortconv.in_proj (b, c and x rows), the depthwise kernel
//   shortconv.conv (HF [n_embd, 1, L] squeezed to 2-D, kept F32) and shortconv.out_proj; an
//   attention layer holds q, k, v with per-head q/k norms and out_proj; every layer has the
//   operator norm (attn_norm) and a SwiGLU feed-forward (w1 gate, w3 up, w2 down);
// - the final norm, model.embedding_norm, is written as token_embd_norm (llama.cpp's LFM2 name);
// - the feed-forward width is block_ff_dim adjusted as LFM2 does (2/3, the multiplier, rounded up
//   to block_multiple_of) and replaces intermediate_size where TextModel wrote it.
// The converter reads config.json through transformers' Lfm2Config, whose defaults fill what the
// file leaves out; the same defaults are applied here.
import { shownValue } from '../../json-input.ts';
import { configFields, fitsF32, type ModelConfig } from '../config.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import type { PlannedTensor, SourceTensor } from '../plan-types.ts';
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';

const LFM2_TENSORS: BlockTensorTable = {
  'operator_norm.weight': { suffix: 'attn_norm.weight', role: 'attn_norm' },
  'ffn_norm.weight': { suffix: 'ffn_norm.weight', role: 'ffn_norm' },
  'feed_forward.w1.weight': { suffix: 'ffn_gate.weight', role: 'ffn_gate' },
  'feed_forward.w3.weight': { suffix: 'ffn_up.weight', role: 'ffn_up' },
  'feed_forward.w2.weight': { suffix: 'ffn_down.weight', role: 'ffn_down' },
  'self_attn.q_layernorm.weight': { suffix: 'attn_q_norm.weight', role: 'attn_q_norm' },
  'self_attn.k_layernorm.weight': { suffix: 'attn_k_norm.weight', role: 'attn_k_norm' },
  'self_attn.out_proj.weight': { suffix: 'attn_output.weight', role: 'attn_output' },
  'conv.in_proj.weight': { suffix: 'shortconv.in_proj.weight', role: 'shortconv_in' },
  'conv.out_proj.weight': { suffix: 'shortconv.out_proj.weight', role: 'shortconv_out' },
};

const CONV_KERNEL = /^model\.layers\.(\d+)\.conv\.conv\.weight$/;

/** Lfm2Config's defaults for the keys the converter reads. */
const DEFAULTS = { conv_L_cache: 3, norm_eps: 1e-5, block_multiple_of: 256, block_ffn_dim_multiplier: 1, block_auto_adjust_ff_dim: true };

/** Lfm2Config's layer_types: as given, else "full_attention" at full_attn_idxs (all layers when absent) and "conv" elsewhere. */
export function lfm2LayerTypes(config: ModelConfig): ('conv' | 'full_attention')[] {
  const { raw, file, layerCount } = config;
  if (raw.layer_types !== undefined && raw.layer_types !== null) {
    const types = raw.layer_types;
    if (!Array.isArray(types) || types.length !== layerCount || types.some((t) => t !== 'conv' && t !== 'full_attention')) {
      throw new Error(`${file}: "layer_types" must list "conv" or "full_attention" for each of the ${layerCount} layers (got ${shownValue(types)})`);
    }
    return types as ('conv' | 'full_attention')[];
  }
  const idxs = raw.full_attn_idxs ?? Array.from({ length: layerCount }, (_, l) => l);
  if (!Array.isArray(idxs) || idxs.some((i) => !Number.isInteger(i) || i < 0 || i >= layerCount)) {
    throw new Error(`${file}: "full_attn_idxs" must list layer indices below ${layerCount} (got ${shownValue(idxs)})`);
  }
  return Array.from({ length: layerCount }, (_, l) => (idxs.includes(l) ? 'full_attention' : 'conv'));
}

function setting<K extends keyof typeof DEFAULTS>(config: ModelConfig, key: K): (typeof DEFAULTS)[K] {
  const v = config.raw[key];
  if (v === undefined || v === null) return DEFAULTS[key];
  if (typeof v !== typeof DEFAULTS[key] || (typeof v === 'number' && !fitsF32(v))) {
    throw new Error(`${config.file}: "${key}" must be a ${typeof DEFAULTS[key]} (got ${shownValue(v)})`);
  }
  return v as (typeof DEFAULTS)[K];
}

/** LFM2's feed-forward width: block_ff_dim (else intermediate_size), adjusted when block_auto_adjust_ff_dim. */
export function lfm2FeedForward(config: ModelConfig): number {
  const fields = configFields(config.raw, config.file);
  let ff = config.raw.block_ff_dim !== undefined && config.raw.block_ff_dim !== null ? fields.int('block_ff_dim') : config.intermediateSize;
  if (setting(config, 'block_auto_adjust_ff_dim')) {
    ff = Math.trunc((2 * ff) / 3);
    const multiplier = config.raw.block_ffn_dim_multiplier === null ? null : setting(config, 'block_ffn_dim_multiplier');
    if (multiplier !== null) ff = Math.trunc(multiplier * ff);
    const multiple = fields.optionalInt('block_multiple_of') ?? DEFAULTS.block_multiple_of;
    ff = multiple * Math.ceil(ff / multiple);
  }
  return ff;
}

export function lfm2ConvCache(config: ModelConfig): number {
  const cache = configFields(config.raw, config.file).optionalInt('conv_L_cache') ?? DEFAULTS.conv_L_cache;
  if (cache < 2) throw new Error(`${config.file}: "conv_L_cache" is ${cache}; llama.cpp's short convolution needs at least 2`);
  return cache;
}

function lfm2Config(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  if (raw.conv_bias === true) throw new Error(`${file}: "conv_bias" is true: llama.cpp's LFM2 has no convolution bias, so the file would not run as the checkpoint does`);
  const types = lfm2LayerTypes(config);
  if (!types.includes('full_attention')) throw new Error(`${file}: no layer is "full_attention"; llama.cpp needs at least one attention layer in LFM2`);
  lfm2ConvCache(config);
  const eps = setting(config, 'norm_eps');
  return { ...config, intermediateSize: lfm2FeedForward(config), rmsNormEps: config.rmsNormEps ?? eps };
}

/** conv.conv.weight [n_embd, 1, L] -> shortconv.conv.weight ne [L, n_embd] (the converter squeezes the middle axis). */
function squeezeConvKernel(source: SourceTensor, config: ModelConfig): PlannedTensor[] | undefined {
  const m = CONV_KERNEL.exec(source.name);
  if (!m || Number(m[1]) >= config.layerCount) return undefined;
  const layer = Number(m[1]);
  const cache = lfm2ConvCache(config);
  const want = [config.hiddenSize, 1, cache];
  if (source.shape.join() !== want.join()) {
    throw new Error(`${source.file}: tensor "${source.name}" has shape [${source.shape.join(', ')}], but ${config.file} (hidden_size ${config.hiddenSize}, conv_L_cache ${cache}) implies [${want.join(', ')}]`);
  }
  return [{
    ggufName: `blk.${layer}.shortconv.conv.weight`,
    hfName: source.name,
    role: 'shortconv_conv',
    layer,
    ne: [cache, config.hiddenSize],
    source,
    transform: { kind: 'none' },
    quantizable: false,
  }];
}

/** TextModel's keys (head_count_kv per layer), then vocab_size and the convolution's cache length; the rms epsilon and the adjusted width replace TextModel's in place. */
function lfm2Kvs(config: ModelConfig) {
  const types = lfm2LayerTypes(config);
  const kv = textModelKvs('lfm2', config);
  kv.set('lfm2.attention.head_count_kv', { type: 'array', itemType: 'i32', value: types.map((t) => (t === 'conv' ? 0 : config.headCountKv)) });
  kv.u32('lfm2.vocab_size', config.vocabSize).u32('lfm2.shortconv.l_cache', lfm2ConvCache(config));
  kv.f32('lfm2.attention.layer_norm_rms_epsilon', setting(config, 'norm_eps'));
  kv.u32('lfm2.feed_forward_length', config.intermediateSize);
  return kv.toArray();
}

export const LFM2: ArchitectureSpec = {
  ggufArchitecture: 'lfm2',
  blockOverrides: LFM2_TENSORS,
  expandsTensor: squeezeConvKernel,
  transformOf: noTransform,
  requiredBlockSuffixes: (config, layer) => blockSuffixes(
    'attn_norm', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down',
    ...(lfm2LayerTypes(config)[layer] === 'conv'
      ? ['shortconv.conv', 'shortconv.in_proj', 'shortconv.out_proj']
      : ['attn_q', 'attn_k', 'attn_v', 'attn_q_norm', 'attn_k_norm', 'attn_output']),
  ),
  convertedConfig: lfm2Config,
  hparamKvs: lfm2Kvs,
  tokenizer: {},
};
