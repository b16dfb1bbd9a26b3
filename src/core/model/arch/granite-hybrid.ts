// Granite 4.0 (GraniteMoeHybridForCausalLM) without Mamba-2 layers (granite-4.0-micro): llama.cpp's
// converter (GraniteHybridModel) turns a checkpoint whose layer_types are all "attention" and that
// has no experts into a plain GGUF "granite" (with experts it would be "granitemoe"; Mamba-2
// layers make "granitehybrid"; neither is planned yet). Its feed-forward is the "shared" MLP:
// shared_mlp.input_linear [2·ff, n_embd] split into ffn_gate (the first ff rows) and ffn_up,
// shared_mlp.output_linear as ffn_down. The converter also writes the hybrid's keys, which
// llama.cpp's Granite loader ignores: the shared FFN width, the Mamba-2 sizes read from the
// config's mamba_* keys, head_count_kv per layer, rope.scaling.finetuned.
import { shownValue } from '../../json-input.ts';
import { configFields, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import type { PlannedTensor, SourceTensor } from '../plan-types.ts';
import type { ArchitectureSpec } from './architecture.ts';
import { GRANITE, splitGateUp } from './granite.ts';

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

function graniteHybridConfig(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  const attention = attentionLayers(config);
  if (attention.length < config.layerCount) {
    const mamba = Array.from({ length: config.layerCount }, (_, l) => l).filter((l) => !attention.includes(l));
    throw new Error(`${file}: layers ${mamba.join(', ')} are Mamba-2 layers (granite-4.0-h-*): hybrid Granite 4.0 is not supported yet; the all-attention ones (granite-4.0-micro) are`);
  }
  const experts = raw.num_experts_per_tok ?? raw.num_experts_per_token;
  if (typeof experts === 'number' && experts > 0) throw new Error(`${file}: "num_experts_per_tok" is ${experts}: Granite 4.0 with experts is not supported yet`);
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

/** Granite's keys, then what GraniteHybridModel adds for a model without Mamba-2 layers, in its order. */
function graniteHybridKvs(config: ModelConfig) {
  const { raw, file } = config;
  const fields = configFields(raw, file);
  const kv = new KvList();
  for (const { key, value } of GRANITE.hparamKvs(config)) kv.set(key, value);
  kv.u32('granite.expert_shared_feed_forward_length', fields.int('shared_intermediate_size'));
  // find_hparam with the "mamba" prefix: a plain key first, then mamba_<key>, in each list's order.
  const mamba = (keys: string[]): number => {
    const key = [...keys, ...keys.map((k) => `mamba_${k}`)].find((k) => raw[k] !== undefined && raw[k] !== null);
    if (key === undefined) throw new Error(`${file}: none of ${keys.map((k) => `"mamba_${k}"`).join(', ')} is set (the converter writes the Mamba-2 sizes even without Mamba-2 layers)`);
    return fields.int(key);
  };
  const dModel = mamba(['mamba_head_dim', 'hidden_size', 'd_model']);
  kv.u32('granite.ssm.conv_kernel', mamba(['conv_kernel', 'd_conv']))
    .u32('granite.ssm.state_size', mamba(['state_size', 'd_state', 'state_dim', 'ssm_state_size']))
    .u32('granite.ssm.group_count', mamba(['n_groups', 'num_groups']))
    .u32('granite.ssm.inner_size', mamba(['expand', 'num_heads']) * dModel)
    .u32('granite.ssm.time_step_rank', mamba(['n_heads', 'num_heads']));
  // head_count_kv becomes one count per layer (gguf-py writes a list of ints as i32), where it was.
  kv.set('granite.attention.head_count_kv', { type: 'array', itemType: 'i32', value: new Array<number>(config.layerCount).fill(config.headCountKv) });
  if (typeof raw.attn_rotary_emb === 'number') kv.u32('granite.rope.dimension_count', raw.attn_rotary_emb);
  kv.bool('granite.rope.scaling.finetuned', true);
  return kv.toArray();
}

export const GRANITE_HYBRID: ArchitectureSpec = {
  ...GRANITE,
  blockOverrides: SHARED_MLP_TENSORS,
  expandsTensor: splitSharedInputLinear,
  convertedConfig: graniteHybridConfig,
  hparamKvs: graniteHybridKvs,
};
