// Granite 4.0 (GraniteMoeHybridForCausalLM). Without Mamba-2 layers (granite-4.0-micro) llama.cpp's
// converter (GraniteHybridModel) turns a checkpoint whose layer_types are all "attention" and that
// has no experts into a plain GGUF "granite" (with experts it would be "granitemoe", not planned
// yet); with Mamba-2 layers (granite-4.0-h-*) into "granitehybrid" (GRANITE_MAMBA2 below, and
// GRANITE_MAMBA2_MOE for -h-tiny and -h-small, whose FFN is Granite MoE's routed experts beside
// the shared MLP as a shared expert). Without experts the feed-forward is the "shared" MLP:
// shared_mlp.input_linear [2·ff, n_embd] split into ffn_gate (the first ff rows) and ffn_up,
// shared_mlp.output_linear as ffn_down. The converter also writes the hybrid's keys, which
// llama.cpp's Granite loader ignores: the shared FFN width, the Mamba-2 sizes read from the
// config's mamba_* keys, head_count_kv per layer, rope.scaling.finetuned.
import { shownValue } from '../../json-input.ts';
import { configFields, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import type { PlannedTensor, SourceTensor } from '../plan-types.ts';
import { isDecodableDtype } from '../../safetensors/decode.ts';
import { blockSuffixes, type ArchitectureSpec } from './architecture.ts';
import { MOE_FFN_SUFFIXES, readExperts } from './experts.ts';
import { GRANITE, GRANITEMOE_TENSORS, graniteKvs, splitGateUp, splitGraniteMoeTensor } from './granite.ts';

const SHARED_MLP_TENSORS: BlockTensorTable = {
  'shared_mlp.output_linear.weight': { suffix: 'ffn_down.weight', role: 'ffn_down' },
};

const SHARED_INPUT_LINEAR = /^model\.layers\.(\d+)\.shared_mlp\.input_linear\.weight$/;

/** The layers GraniteHybridModel.get_attn_layers finds: layer_types, else attn_layer_indices, else a period and offset. */
function attentionLayers(config: ModelConfig): number[] {
  const raw = config.raw;
  const all = Array.from({ length: config.layerCount }, (_, l) => l);
  if (Array.isArray(raw.layer_types)) return all.filter((l) => (raw.layer_types as unknown[])[l] === 'attention');
  if (Array.isArray(raw.attn_layer_indices) && raw.attn_layer_indices.length > 0) return all.filter((l) => (raw.attn_layer_indices as unknown[]).includes(l));
  const period = raw.attn_layer_period;
  const offset = raw.attn_layer_offset;
  if (typeof period !== 'number' || typeof offset !== 'number') throw new Error(`${config.file}: Granite 4.0 needs "layer_types", "attn_layer_indices" or "attn_layer_period" with "attn_layer_offset"`);
  return all.filter((l) => l % period === offset);
}

/** The layers that are Mamba-2 layers (every one layer_types does not call attention). */
function mambaLayers(config: ModelConfig): number[] {
  const attention = attentionLayers(config);
  return Array.from({ length: config.layerCount }, (_, l) => l).filter((l) => !attention.includes(l));
}

/** Whether the checkpoint routes tokens to experts (granite-4.0-h-tiny, -small). */
function hasExperts(config: ModelConfig): boolean {
  const used = config.raw.num_experts_per_tok ?? config.raw.num_experts_per_token;
  return typeof used === 'number' && used > 0;
}

function graniteHybridConfig(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  if (hasExperts(config) && mambaLayers(config).length === 0) {
    throw new Error(`${file}: "num_experts_per_tok" is ${String(raw.num_experts_per_tok ?? raw.num_experts_per_token)}: Granite 4.0 with experts and without Mamba-2 layers is not supported yet`);
  }
  if (hasExperts(config)) {
    // The hybrids with experts (granite-4.0-h-tiny, -small): routed experts of intermediate_size and a shared one.
    const experts = readExperts(config, 'intermediate_size', 'num_local_experts');
    experts.sharedFeedForward = configFields(raw, file).int('shared_intermediate_size');
    if (raw.hidden_act !== undefined && raw.hidden_act !== null && raw.hidden_act !== 'silu') throw new Error(`${file}: "hidden_act" is ${shownValue(raw.hidden_act)}; the converter supports only silu`);
    return { ...GRANITE.convertedConfig!(config), experts };
  }
  const shared = configFields(raw, file).int('shared_intermediate_size');
  if (shared !== config.intermediateSize) {
    throw new Error(`${file}: "shared_intermediate_size" ${shared} differs from "intermediate_size" ${config.intermediateSize}: the converter writes the latter as the FFN width, and llama.cpp could not load the shared MLP's tensors`);
  }
  if (raw.hidden_act !== undefined && raw.hidden_act !== null && raw.hidden_act !== 'silu') throw new Error(`${file}: "hidden_act" is ${shownValue(raw.hidden_act)}; the converter supports only silu`);
  return GRANITE.convertedConfig!(config);
}

/** shared_mlp.input_linear [2·ff, n_embd] -> ffn_gate and ffn_up, each half a byte range of it. */
function splitSharedInputLinear(source: SourceTensor, config: ModelConfig): PlannedTensor[] | undefined {
  const m = SHARED_INPUT_LINEAR.exec(source.name);
  if (!m || Number(m[1]) >= config.layerCount) return undefined;
  return splitGateUp(source, config, Number(m[1]), config.intermediateSize, 'shared_intermediate_size', ['ffn_gate', 'ffn_up']);
}

/** The Mamba-2 sizes, as GraniteHybridModel finds them (find_hparam with the "mamba" prefix: a plain key first, then mamba_<key>). */
function mambaSizes(config: ModelConfig) {
  const { raw, file } = config;
  const fields = configFields(raw, file);
  const mamba = (keys: string[]): number => {
    const key = [...keys, ...keys.map((k) => `mamba_${k}`)].find((k) => raw[k] !== undefined && raw[k] !== null);
    if (key === undefined) throw new Error(`${file}: none of ${keys.map((k) => `"mamba_${k}"`).join(', ')} is set (the converter writes the Mamba-2 sizes even without Mamba-2 layers)`);
    return fields.int(key);
  };
  const dModel = mamba(['mamba_head_dim', 'hidden_size', 'd_model']);
  return {
    convKernel: mamba(['conv_kernel', 'd_conv']),
    stateSize: mamba(['state_size', 'd_state', 'state_dim', 'ssm_state_size']),
    groups: mamba(['n_groups', 'num_groups']),
    inner: mamba(['expand', 'num_heads']) * dModel,
    heads: mamba(['n_heads', 'num_heads']),
  };
}

/** Granite's keys (under `arch`), then what GraniteHybridModel adds, in its order. */
function graniteHybridKvs(config: ModelConfig, arch = 'granite') {
  const { raw, file } = config;
  const fields = configFields(raw, file);
  const kv = new KvList();
  for (const { key, value } of graniteKvs(config, arch)) kv.set(key, value);
  kv.u32(`${arch}.expert_shared_feed_forward_length`, fields.int('shared_intermediate_size'));
  const ssm = mambaSizes(config);
  kv.u32(`${arch}.ssm.conv_kernel`, ssm.convKernel).u32(`${arch}.ssm.state_size`, ssm.stateSize).u32(`${arch}.ssm.group_count`, ssm.groups)
    .u32(`${arch}.ssm.inner_size`, ssm.inner).u32(`${arch}.ssm.time_step_rank`, ssm.heads);
  if (typeof raw.attn_rotary_emb === 'number') kv.u32(`${arch}.rope.dimension_count`, raw.attn_rotary_emb);
  // head_count_kv becomes one count per layer (gguf-py writes a list of ints as i32), 0 for a
  // Mamba-2 layer, where it was. Rope only without Mamba-2 layers; then no context limit (2^20).
  const mamba = mambaLayers(config);
  kv.set(`${arch}.attention.head_count_kv`, { type: 'array', itemType: 'i32', value: Array.from({ length: config.layerCount }, (_, l) => (mamba.includes(l) ? 0 : config.headCountKv)) });
  kv.bool(`${arch}.rope.scaling.finetuned`, mamba.length === 0);
  if (mamba.length > 0) kv.u32(`${arch}.context_length`, 2 ** 20);
  return kv.toArray();
}

// With Mamba-2 layers (granite-4.0-h-micro), GGUF "granitehybrid": a layer is Mamba-2 where
// head_count_kv is 0. Its mixer's tensors: mamba.in_proj -> ssm_in, conv1d.weight squeezed to
// [d_conv, channels] -> ssm_conv1d (F32, never quantized) with its bias, dt_bias -> ssm_dt.bias,
// A_log -> ssm_a = -exp(A_log) shaped [1, heads], D -> ssm_d [1, heads], norm.weight -> ssm_norm
// [d_inner / groups, groups], out_proj -> ssm_out. llama.cpp runs only an expansion of 2 (d_inner
// = 2·n_embd); the converter pads the vocabulary to a multiple of 8 after writing vocab_size, so a
// vocabulary that is not one is refused rather than written unlike the converter's.

const MAMBA2_TENSORS: BlockTensorTable = {
  ...SHARED_MLP_TENSORS,
  'mamba.in_proj.weight': { suffix: 'ssm_in.weight', role: 'ssm_in' },
  'mamba.out_proj.weight': { suffix: 'ssm_out.weight', role: 'ssm_out' },
  'mamba.conv1d.bias': { suffix: 'ssm_conv1d.bias', role: 'ssm_conv1d_bias' },
  'mamba.dt_bias': { suffix: 'ssm_dt.bias', role: 'ssm_dt_bias' },
};

const MAMBA_RESHAPED = /^model\.layers\.(\d+)\.mamba\.(conv1d\.weight|A_log|D|norm\.weight)$/;

/** The Mamba-2 tensors the converter reshapes (and A, which it computes): same values in order, the GGUF shape. */
function reshapedMambaTensor(source: SourceTensor, config: ModelConfig): PlannedTensor[] | undefined {
  const m = MAMBA_RESHAPED.exec(source.name);
  if (!m || Number(m[1]) >= config.layerCount) return undefined;
  const layer = Number(m[1]);
  const ssm = mambaSizes(config);
  const channels = ssm.inner + 2 * ssm.groups * ssm.stateSize;
  const table = {
    'conv1d.weight': { suffix: 'ssm_conv1d.weight', role: 'ssm_conv1d', shape: [channels, 1, ssm.convKernel], ne: [ssm.convKernel, channels] },
    A_log: { suffix: 'ssm_a', role: 'ssm_a', shape: [ssm.heads], ne: [1, ssm.heads] },
    D: { suffix: 'ssm_d', role: 'ssm_d', shape: [ssm.heads], ne: [1, ssm.heads] },
    'norm.weight': { suffix: 'ssm_norm.weight', role: 'ssm_norm', shape: [ssm.inner], ne: [ssm.inner / ssm.groups, ssm.groups] },
  } as const;
  const t = table[m[2] as keyof typeof table];
  if (source.shape.join() !== t.shape.join()) {
    throw new Error(`${source.file}: tensor "${source.name}" has shape [${source.shape.join(', ')}], but ${config.file}'s Mamba-2 sizes (inner ${ssm.inner}, groups ${ssm.groups}, state ${ssm.stateSize}, heads ${ssm.heads}, conv kernel ${ssm.convKernel}) imply [${t.shape.join(', ')}]`);
  }
  if (!isDecodableDtype(source.dtype)) throw new Error(`${source.file}: tensor "${source.name}" has dtype ${source.dtype}; only float tensors (F32, F16, BF16, F64) can be converted`);
  return [{
    // The same bytes seen in the GGUF shape, so that rows are read as the GGUF's.
    ggufName: `blk.${layer}.${t.suffix}`, hfName: source.name, role: t.role, layer, ne: [...t.ne], source: { ...source, shape: [...t.ne].reverse() },
    transform: t.role === 'ssm_a' ? { kind: 'neg-exp' } : { kind: 'none' }, quantizable: false,
  }];
}

function graniteMamba2Config(config: ModelConfig): ModelConfig {
  const { file } = config;
  const converted = graniteHybridConfig(config);
  const ssm = mambaSizes(config);
  if (ssm.inner !== 2 * config.hiddenSize) {
    throw new Error(`${file}: the Mamba-2 inner size ${ssm.inner} is not 2 × hidden_size ${config.hiddenSize}: llama.cpp's granitehybrid runs only an expansion of 2`);
  }
  if (ssm.inner % ssm.heads !== 0 || ssm.inner % ssm.groups !== 0 || ssm.heads % ssm.groups !== 0) {
    throw new Error(`${file}: the Mamba-2 inner size ${ssm.inner}, heads ${ssm.heads} and groups ${ssm.groups} do not divide each other as Mamba-2 needs`);
  }
  if (config.vocabSize % 8 !== 0) {
    throw new Error(`${file}: "vocab_size" ${config.vocabSize} is not a multiple of 8: the converter pads a hybrid's vocabulary to one after writing vocab_size, which is not supported yet`);
  }
  return converted;
}

/**
 * "granitehybrid" with a feed-forward of its own: the spec whose block tables, split of the fused
 * FFN tensors and FFN suffixes are given (the dense shared MLP, or routed experts and a shared one).
 */
function granitehybrid(tensors: BlockTensorTable, splitFfn: NonNullable<ArchitectureSpec['expandsTensor']>, ffnSuffixes: string[]): ArchitectureSpec {
  return {
    ...GRANITE,
    ggufArchitecture: 'granitehybrid',
    blockOverrides: { ...MAMBA2_TENSORS, ...tensors },
    expandsTensor: (source, config, sources) => splitFfn(source, config, sources) ?? reshapedMambaTensor(source, config),
    convertedConfig: graniteMamba2Config,
    requiredBlockSuffixes: (config, layer) => [
      'attn_norm.weight',
      ...(mambaLayers(config).includes(layer)
        ? ['ssm_in.weight', 'ssm_conv1d.weight', 'ssm_dt.bias', 'ssm_a', 'ssm_d', 'ssm_norm.weight', 'ssm_out.weight']
        : blockSuffixes('attn_q', 'attn_k', 'attn_v', 'attn_output')),
      ...blockSuffixes(...ffnSuffixes),
    ],
    hparamKvs: (config) => graniteHybridKvs(config, 'granitehybrid'),
  };
}

/** granite-4.0-h-micro: the shared MLP as the dense FFN. */
export const GRANITE_MAMBA2 = granitehybrid({}, splitSharedInputLinear, ['ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down']);

/** granite-4.0-h-tiny and -small: Granite MoE's routed experts, and the shared MLP as a shared expert, in every layer. */
export const GRANITE_MAMBA2_MOE = granitehybrid(GRANITEMOE_TENSORS, splitGraniteMoeTensor, [...MOE_FFN_SUFFIXES, 'ffn_gate_shexp', 'ffn_up_shexp', 'ffn_down_shexp']);

export const GRANITE_HYBRID: ArchitectureSpec = {
  ...GRANITE,
  blockOverrides: SHARED_MLP_TENSORS,
  expandsTensor: splitSharedInputLinear,
  convertedConfig: graniteHybridConfig,
  hparamKvs: (config) => graniteHybridKvs(config),
  variant: (config) => (mambaLayers(config).length === 0 ? undefined : hasExperts(config) ? GRANITE_MAMBA2_MOE : GRANITE_MAMBA2),
};
