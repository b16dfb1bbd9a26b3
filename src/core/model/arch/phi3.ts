// Phi-3 (GGUF "phi3"): fused qkv_proj and gate_up_proj are written as they are (llama.cpp reads
// attn_qkv and a 2*n_ff-row ffn_up); NEOX rope, no permutation; keys from Phi3MiniModel, not TextModel.
import { configFields, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';

function phi3Kvs(config: ModelConfig) {
  const raw = config.raw;
  const fields = configFields(raw, config.file);
  const scaling = (raw.rope_parameters ?? raw.rope_scaling) as Record<string, unknown> | null | undefined;
  if (scaling && (scaling.long_factor || scaling.short_factor)) {
    throw new Error(`${config.file}: Phi-3 long-context rope factors (rope_scaling long_factor/short_factor) are not supported yet`);
  }
  const originalContext = (scaling?.original_max_position_embeddings as number | undefined) ?? fields.optionalInt('original_max_position_embeddings');
  if (originalContext === undefined) throw new Error(`${config.file}: "original_max_position_embeddings" is required for Phi-3 (the converter needs it too)`);
  const rotaryFraction = fields.optionalNumber('partial_rotary_factor') ?? 1;
  if (config.ropeTheta === undefined) throw new Error(`${config.file}: "rope_theta" is required for Phi-3`);
  if (config.rmsNormEps === undefined) throw new Error(`${config.file}: "rms_norm_eps" is required for Phi-3`);
  const kv = new KvList();
  kv.u32('phi3.context_length', fields.optionalInt('n_positions') ?? fields.int('max_position_embeddings'))
    .u32('phi3.rope.scaling.original_context_length', originalContext)
    .u32('phi3.embedding_length', config.hiddenSize)
    .u32('phi3.feed_forward_length', config.intermediateSize)
    .u32('phi3.block_count', config.layerCount)
    .u32('phi3.attention.head_count', config.headCount)
    .u32('phi3.attention.head_count_kv', fields.int('num_key_value_heads'))
    .f32('phi3.attention.layer_norm_rms_epsilon', config.rmsNormEps)
    .u32('phi3.rope.dimension_count', Math.floor(Math.trunc(rotaryFraction * config.hiddenSize) / config.headCount))
    .f32('phi3.rope.freq_base', config.ropeTheta)
    // 0 tells Phi-4 (no sliding window) from Phi-3 in llama.cpp.
    .u32('phi3.attention.sliding_window', fields.optionalInt('sliding_window') ?? 0);
  return kv.toArray();
}

export const PHI3: ArchitectureSpec = {
  ggufArchitecture: 'phi3',
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes('attn_norm', 'attn_qkv', 'attn_output', 'ffn_norm', 'ffn_up', 'ffn_down'),
  hparamKvs: phi3Kvs,
  shapeRules: { fusedGateUp: true },
  tokenizer: {},
};
