// Phi-3 and Phi-4-mini (GGUF "phi3"): fused qkv_proj and gate_up_proj are written as they are
// (llama.cpp reads attn_qkv and a 2*n_ff-row ffn_up); NEOX rope over the first
// partial_rotary_factor of each head, no permutation; keys from Phi3MiniModel, not TextModel.
// LongRoPE (Phi-3-*-128k, Phi-4-mini) becomes two generated tensors of per-pair frequency divisors,
// rope_factors_short and rope_factors_long (llama.cpp picks one by the context size), and an
// attention factor that scales the rotated dimensions.
import { configFields, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import type { PlannedTensor } from '../plan-types.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';

function ropeParameters(config: ModelConfig): Record<string, unknown> {
  return ((config.raw.rope_parameters ?? config.raw.rope_scaling) as Record<string, unknown> | null | undefined) ?? {};
}

/** The converter's rope dimension: int(partial_rotary_factor * n_embd) // n_head. */
function phi3RopeDims(config: ModelConfig): number {
  const fields = configFields(config.raw, config.file);
  const given = ropeParameters(config).partial_rotary_factor;
  const fraction = typeof given === 'number' ? given : fields.optionalNumber('partial_rotary_factor') ?? 1;
  return Math.floor(Math.trunc(fraction * config.hiddenSize) / config.headCount);
}

function contextLengths(config: ModelConfig): { context: number; original: number } {
  const fields = configFields(config.raw, config.file);
  const original = (ropeParameters(config).original_max_position_embeddings as number | undefined) ?? fields.optionalInt('original_max_position_embeddings');
  if (original === undefined) throw new Error(`${config.file}: "original_max_position_embeddings" is required for Phi-3 (the converter needs it too)`);
  return { context: fields.optionalInt('n_positions') ?? fields.int('max_position_embeddings'), original };
}

/**
 * LongRoPE's attention factor, as the converter computes it (in double, stored as f32):
 * sqrt(1 + ln(scale) / ln(original context)) for scale = context / original context > 1, else 1.
 */
export function longRopeAttentionFactor(context: number, original: number): number {
  const scale = context / original;
  return scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(original)) : 1;
}

function phi3Kvs(config: ModelConfig) {
  const fields = configFields(config.raw, config.file);
  const { context, original } = contextLengths(config);
  if (config.ropeTheta === undefined) throw new Error(`${config.file}: "rope_theta" is required for Phi-3`);
  if (config.rmsNormEps === undefined) throw new Error(`${config.file}: "rms_norm_eps" is required for Phi-3`);
  const kv = new KvList();
  kv.u32('phi3.context_length', context)
    .u32('phi3.rope.scaling.original_context_length', original)
    .u32('phi3.embedding_length', config.hiddenSize)
    .u32('phi3.feed_forward_length', config.intermediateSize)
    .u32('phi3.block_count', config.layerCount)
    .u32('phi3.attention.head_count', config.headCount)
    .u32('phi3.attention.head_count_kv', fields.int('num_key_value_heads'))
    .f32('phi3.attention.layer_norm_rms_epsilon', config.rmsNormEps)
    .u32('phi3.rope.dimension_count', phi3RopeDims(config))
    .f32('phi3.rope.freq_base', config.ropeTheta)
    // 0 tells Phi-4 (no sliding window) from Phi-3 in llama.cpp.
    .u32('phi3.attention.sliding_window', fields.optionalInt('sliding_window') ?? 0);
  return kv.toArray();
}

/** The converter adds the attention factor while it writes the factor tensors, before any other key but the architecture. */
function phi3TensorPassKvs(config: ModelConfig) {
  if (config.ropeScaling.type !== 'longrope') return [];
  const { context, original } = contextLengths(config);
  return new KvList().f32('phi3.rope.scaling.attn_factor', longRopeAttentionFactor(context, original)).toArray();
}

function longRopeFactorTensors(config: ModelConfig): PlannedTensor[] {
  const scaling = config.ropeScaling;
  if (scaling.type !== 'longrope') return [];
  const pairs = phi3RopeDims(config) / 2;
  if (scaling.longFactor.length !== pairs || scaling.shortFactor.length !== pairs) {
    throw new Error(`${config.file}: rope_scaling long_factor and short_factor must have ${pairs} values each (half the rotated dimensions), not ${scaling.longFactor.length} and ${scaling.shortFactor.length}`);
  }
  const tensor = (which: 'long' | 'short', factors: number[]): PlannedTensor => {
    const values = Float32Array.from(factors);
    const shape = [values.length];
    return {
      ggufName: `rope_factors_${which}.weight`,
      hfName: `(rope_scaling ${which}_factor)`,
      role: `rope_factors_${which}`,
      layer: null,
      ne: shape,
      source: { kind: 'generated', file: 'config.json', name: `rope_scaling.${which}_factor`, dtype: 'F32', shape, values },
      transform: { kind: 'none' },
      quantizable: false,
    };
  };
  return [tensor('long', scaling.longFactor), tensor('short', scaling.shortFactor)];
}

export const PHI3: ArchitectureSpec = {
  ggufArchitecture: 'phi3',
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes('attn_norm', 'attn_qkv', 'attn_output', 'ffn_norm', 'ffn_up', 'ffn_down'),
  hparamKvs: phi3Kvs,
  tensorPassKvs: phi3TensorPassKvs,
  generatedTensors: longRopeFactorTensors,
  ropeScalings: ['longrope'],
  shapeRules: { fusedGateUp: true },
  tokenizer: {},
};
