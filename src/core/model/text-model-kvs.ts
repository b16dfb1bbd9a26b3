// The hyperparameter keys every text model gets from the converter's TextModel.set_gguf_parameters,
// in its order (general.file_type omitted: the export adds it).
import { shownValue } from '../json-input.ts';
import { configFields, type ModelConfig } from './config.ts';
import { KvList } from './kv-list.ts';

/** gguf-py's ExpertGatingFuncType, by the converter's names for the router's score function. */
const GATING_FUNCS: Record<string, number> = { softmax: 1, sigmoid: 2, sqrtsoftplus: 4 };

/** find_hparam(keys, optional=True): the first of `keys` config.json has, undefined when its value is null. */
function firstKey(raw: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const key = keys.find((k) => k in raw);
  return key === undefined || raw[key] === null ? undefined : key;
}

/** TextModel's expert keys: counts, groups and the router's score function, where config.json has them. */
function expertKvs(arch: string, config: ModelConfig, kv: KvList): void {
  const { raw, file } = config;
  const fields = configFields(raw, file);
  const u32 = (ggufKey: string, keys: readonly string[]) => {
    const key = firstKey(raw, keys);
    // Written even when 0 (find_hparam's "is not None"), as for Granite 4.0 without experts.
    if (key !== undefined) kv.u32(`${arch}.${ggufKey}`, fields.count(key));
  };
  u32('expert_count', ['num_local_experts', 'num_experts', 'n_routed_experts']);
  u32('expert_used_count', ['num_experts_per_tok', 'num_experts_per_token', 'top_k_experts']);
  u32('expert_group_count', ['n_group']);
  u32('expert_group_used_count', ['topk_group']);
  const scoreKey = firstKey(raw, ['score_function', 'scoring_func', 'score_func', 'moe_router_activation', 'moe_router_activation_func', 'expert_selection_fn']);
  if (scoreKey !== undefined) {
    const func = GATING_FUNCS[String(raw[scoreKey])];
    if (func === undefined) throw new Error(`${file}: "${scoreKey}" is ${shownValue(raw[scoreKey])}; the converter knows softmax, sigmoid and sqrtsoftplus`);
    kv.u32(`${arch}.expert_gating_func`, func);
  }
}

export function textModelKvs(arch: string, config: ModelConfig): KvList {
  const kv = new KvList();
  kv.u32(`${arch}.block_count`, config.layerCount);
  if (config.contextLength !== undefined) kv.u32(`${arch}.context_length`, config.contextLength);
  kv.u32(`${arch}.embedding_length`, config.hiddenSize);
  kv.u32(`${arch}.feed_forward_length`, config.intermediateSize);
  kv.u32(`${arch}.attention.head_count`, config.headCount);
  if (config.headCountKvStated !== undefined) kv.u32(`${arch}.attention.head_count_kv`, config.headCountKvStated);
  const rope = config.ropeScaling;
  if (rope.type === 'linear') {
    kv.str(`${arch}.rope.scaling.type`, 'linear').f32(`${arch}.rope.scaling.factor`, rope.factor);
  } else if (rope.type === 'yarn') {
    kv.str(`${arch}.rope.scaling.type`, 'yarn').f32(`${arch}.rope.scaling.factor`, rope.factor);
    kv.u32(`${arch}.rope.scaling.original_context_length`, rope.originalContextLength);
    if (rope.extFactor !== undefined) kv.f32(`${arch}.rope.scaling.yarn_ext_factor`, rope.extFactor);
    if (rope.attnFactor !== undefined) kv.f32(`${arch}.rope.scaling.yarn_attn_factor`, rope.attnFactor);
    if (rope.betaFast !== undefined) kv.f32(`${arch}.rope.scaling.yarn_beta_fast`, rope.betaFast);
    if (rope.betaSlow !== undefined) kv.f32(`${arch}.rope.scaling.yarn_beta_slow`, rope.betaSlow);
  }
  if (config.ropeTheta !== undefined) kv.f32(`${arch}.rope.freq_base`, config.ropeTheta);
  if (config.ropeThetaSwa !== undefined) kv.f32(`${arch}.rope.freq_base_swa`, config.ropeThetaSwa);
  if (config.rmsNormEps !== undefined) kv.f32(`${arch}.attention.layer_norm_rms_epsilon`, config.rmsNormEps);
  expertKvs(arch, config, kv);
  if (config.headDim !== undefined) {
    kv.u32(`${arch}.attention.key_length`, config.headDim).u32(`${arch}.attention.value_length`, config.headDim);
  }
  return kv;
}
