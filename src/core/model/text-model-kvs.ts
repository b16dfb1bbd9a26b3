// The hyperparameter keys every text model gets from the converter's TextModel.set_gguf_parameters,
// in its order (general.file_type omitted: the export adds it).
import type { ModelConfig } from './config.ts';
import { KvList } from './kv-list.ts';

export function textModelKvs(arch: string, config: ModelConfig): KvList {
  const kv = new KvList();
  kv.u32(`${arch}.block_count`, config.layerCount);
  if (config.contextLength !== undefined) kv.u32(`${arch}.context_length`, config.contextLength);
  kv.u32(`${arch}.embedding_length`, config.hiddenSize);
  kv.u32(`${arch}.feed_forward_length`, config.intermediateSize);
  kv.u32(`${arch}.attention.head_count`, config.headCount);
  if (config.headCountKvStated !== undefined) kv.u32(`${arch}.attention.head_count_kv`, config.headCountKvStated);
  if (config.ropeScaling.type === 'linear') {
    kv.str(`${arch}.rope.scaling.type`, 'linear').f32(`${arch}.rope.scaling.factor`, config.ropeScaling.factor);
  }
  if (config.ropeTheta !== undefined) kv.f32(`${arch}.rope.freq_base`, config.ropeTheta);
  if (config.ropeThetaSwa !== undefined) kv.f32(`${arch}.rope.freq_base_swa`, config.ropeThetaSwa);
  if (config.rmsNormEps !== undefined) kv.f32(`${arch}.attention.layer_norm_rms_epsilon`, config.rmsNormEps);
  if (config.headDim !== undefined) {
    kv.u32(`${arch}.attention.key_length`, config.headDim).u32(`${arch}.attention.value_length`, config.headDim);
  }
  return kv;
}
