// config.json -> the hyperparameters a plan needs, checked field by field.
import { isPlainObject, shownValue } from '../json-input.ts';

/** HF architectures this planner handles (config.json `architectures[0]`). */
export const SUPPORTED_HF_ARCHITECTURES = [
  'LlamaForCausalLM', 'MistralForCausalLM',
  'Qwen2ForCausalLM', 'Qwen3ForCausalLM',
  'Gemma2ForCausalLM', 'Gemma3ForCausalLM',
  'Phi3ForCausalLM',
  'SmolLM3ForCausalLM',
  'Olmo2ForCausalLM',
  'GraniteForCausalLM',
  'Qwen3MoeForCausalLM',
  'OlmoeForCausalLM',
  'GraniteMoeForCausalLM', 'GraniteMoeSharedForCausalLM',
  'GraniteMoeHybridForCausalLM',
  'Lfm2ForCausalLM', 'LFM2ForCausalLM',
  'GptOssForCausalLM',
] as const;
export type SupportedHfArchitecture = (typeof SUPPORTED_HF_ARCHITECTURES)[number];

/**
 * Rope scaling as llama.cpp stores it: keys (linear), the generated rope_freqs tensor (llama3), or
 * Phi-3's LongRoPE ("longrope", once "su"): per-pair frequency divisors for short and long contexts,
 * written as the generated rope_factors_short/long tensors with an attention factor.
 */
export type RopeScaling =
  | { type: 'none' }
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalContextLength: number }
  | { type: 'longrope'; shortFactor: number[]; longFactor: number[] }
  /** YaRN (gpt-oss): the factor, the original context, and the optional yarn_* values the converter copies. */
  | { type: 'yarn'; factor: number; originalContextLength: number; extFactor?: number; attnFactor?: number; betaFast?: number; betaSlow?: number };

/** A mixture-of-experts feed-forward, as a MoE family's convertedConfig reads it. */
export interface ExpertConfig {
  /** Routed experts per layer (num_experts). */
  count: number;
  /** Experts each token is routed to (num_experts_per_tok). */
  used: number;
  /** Each expert's intermediate size (moe_intermediate_size). */
  feedForward: number;
  /** The shared expert's intermediate size, where every token also goes through one (Granite MoE shared). */
  sharedFeedForward?: number;
}

export interface ModelConfig {
  hfArchitecture: SupportedHfArchitecture;
  hiddenSize: number;
  intermediateSize: number;
  layerCount: number;
  headCount: number;
  /** Only when config.json states it (the converter writes head_count_kv only then). */
  headCountKvStated: number | undefined;
  headCountKv: number;
  /** Only when config.json states it (the converter writes key/value_length only then). */
  headDim: number | undefined;
  vocabSize: number;
  contextLength: number | undefined;
  rmsNormEps: number | undefined;
  /** rope_parameters.full_attention.rope_theta, or the top-level rope_theta (the converter mirrors it). */
  ropeTheta: number | undefined;
  /** Sliding-window layers' theta (Gemma 3's rope_local_base_freq). */
  ropeThetaSwa: number | undefined;
  ropeScaling: RopeScaling;
  /** Set by MoE families (undefined: a dense feed-forward). */
  experts?: ExpertConfig;
  /** The raw object (text_config lifted), for family-specific keys and special-token fallbacks. */
  raw: Record<string, unknown>;
  file: string;
}

/** Kept for the Llama planner's signatures. */
export type LlamaConfig = ModelConfig;

type Raw = Record<string, unknown>;

export function readModelConfig(json: unknown, file = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file}: must be a JSON object`);
  let raw = json as Raw;
  // Multimodal wrappers keep the language model under text_config; the converter lifts it up.
  if (isPlainObject(raw.text_config)) raw = { ...raw, ...raw.text_config };
  const archs = raw.architectures;
  const arch = Array.isArray(archs) ? archs[0] : undefined;
  if (!SUPPORTED_HF_ARCHITECTURES.includes(arch as SupportedHfArchitecture)) {
    throw new Error(`${file}: architecture ${shownValue(arch ?? null)} is not supported (supported: ${SUPPORTED_HF_ARCHITECTURES.join(', ')})`);
  }
  const fields = configFields(raw, file);
  const headCount = fields.int('num_attention_heads');
  const hiddenSize = fields.int('hidden_size');
  const headDim = fields.optionalInt('head_dim');
  if (headDim === undefined && hiddenSize % headCount !== 0) {
    throw new Error(`${file}: hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${headCount} and head_dim is missing`);
  }
  const headCountKvStated = fields.optionalInt('num_key_value_heads');
  const rope = readRope(file, raw, fields);
  return {
    hfArchitecture: arch as SupportedHfArchitecture,
    hiddenSize,
    intermediateSize: fields.int('intermediate_size'),
    layerCount: fields.int('num_hidden_layers'),
    headCount,
    headCountKvStated,
    headCountKv: headCountKvStated ?? headCount,
    headDim,
    vocabSize: fields.int('vocab_size'),
    contextLength: fields.optionalInt('max_position_embeddings'),
    rmsNormEps: fields.optionalNumber('rms_norm_eps'),
    ...rope,
    raw,
    file,
  };
}

/** The old name: the Llama planner reads the same fields. */
export const readLlamaConfig = readModelConfig;

export interface ConfigFields {
  int(key: string): number;
  /** A count that may be 0 (Granite 4.0's num_local_experts without experts). */
  count(key: string): number;
  optionalInt(key: string): number | undefined;
  optionalNumber(key: string): number | undefined;
}

/** Integer hyperparameters are written as GGUF u32: a larger value would wrap. */
export const CONFIG_MAX_INT = 2 ** 32 - 1;

/** Float hyperparameters are written as GGUF f32: a value past its range would turn infinite. */
export function fitsF32(v: number): boolean {
  return Number.isFinite(Math.fround(v));
}

export function configFields(raw: Raw, file: string): ConfigFields {
  const integer = (key: string, least: 0 | 1): number => {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < least || v > CONFIG_MAX_INT) {
      throw new Error(`${file}: "${key}" must be a ${least ? 'positive' : 'non-negative'} integer of at most ${CONFIG_MAX_INT} (got ${shownValue(v)})`);
    }
    return v;
  };
  const int = (key: string) => integer(key, 1);
  return {
    int,
    count: (key) => integer(key, 0),
    optionalInt: (key) => (raw[key] === undefined || raw[key] === null ? undefined : int(key)),
    optionalNumber: (key) => {
      const v = raw[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !fitsF32(v)) throw new Error(`${file}: "${key}" must be a number within float32's range (got ${shownValue(v)})`);
      return v;
    },
  };
}

const firstNumber = (raw: Raw, keys: string[]): number | undefined => {
  const key = keys.find((k) => k in raw);
  const v = key === undefined ? undefined : raw[key];
  return typeof v === 'number' ? v : undefined;
};

/**
 * The converter's rope_parameters: `rope_parameters` (transformers 5) or `rope_scaling`, with the
 * top-level theta / local theta mirrored in, then the `full_attention` entry when there is one.
 */
function readRope(file: string, raw: Raw, fields: ConfigFields): Pick<ModelConfig, 'ropeTheta' | 'ropeThetaSwa' | 'ropeScaling'> {
  const given = (raw.rope_parameters ?? raw.rope_scaling) as Raw | null | undefined;
  const params: Raw = given && typeof given === 'object' ? { ...given } : {};
  const split = 'full_attention' in params || 'sliding_attention' in params;
  const localTheta = firstNumber(raw, ['local_rope_theta', 'rope_local_theta', 'rope_theta_local', 'swa_rope_theta', 'rope_local_base_freq']);
  const globalTheta = firstNumber(raw, ['global_rope_theta', 'rope_global_theta', 'rope_theta_global', 'rope_theta', 'rotary_emb_base']);
  if (!split) {
    if (localTheta !== undefined) params.sliding_attention = { rope_theta: localTheta };
    if (!('rope_theta' in params) && globalTheta !== undefined) params.rope_theta = globalTheta;
    if (!('rope_type' in params) && params.type !== undefined) params.rope_type = params.type;
    if (!('original_max_position_embeddings' in params)) {
      const orig = fields.optionalInt('original_max_position_embeddings');
      if (orig !== undefined) params.original_max_position_embeddings = orig;
    }
  }
  const full = (typeof params.full_attention === 'object' && params.full_attention !== null ? params.full_attention : params) as Raw;
  const sliding = params.sliding_attention as Raw | undefined;
  const num = (v: unknown, what: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !fitsF32(v)) throw new Error(`${file}: rope ${what} must be a number within float32's range (got ${shownValue(v)})`);
    return v;
  };
  return {
    ropeTheta: num(full.rope_theta, 'rope_theta'),
    ropeThetaSwa: num(sliding?.rope_theta, 'sliding_attention.rope_theta'),
    ropeScaling: readRopeScaling(file, full, num),
  };
}

function readRopeScaling(file: string, p: Raw, num: (v: unknown, what: string) => number | undefined): RopeScaling {
  const type = p.rope_type;
  if (type === undefined || type === null || type === 'default') return { type: 'none' };
  if (typeof type !== 'string') throw new Error(`${file}: rope_type must be a string (got ${shownValue(type)})`);
  const factor = num(p.factor, 'factor');
  if (type === 'linear') return factor === undefined ? { type: 'none' } : { type: 'linear', factor };
  if (type.toLowerCase() === 'llama3') {
    return {
      type: 'llama3',
      factor: factor ?? 8,
      lowFreqFactor: num(p.low_freq_factor, 'low_freq_factor') ?? 1,
      highFreqFactor: num(p.high_freq_factor, 'high_freq_factor') ?? 4,
      originalContextLength: num(p.original_max_position_embeddings, 'original_max_position_embeddings') ?? 8192,
    };
  }
  if (type.toLowerCase() === 'longrope' || type.toLowerCase() === 'su') {
    const factors = (key: 'short_factor' | 'long_factor'): number[] => {
      const v = p[key];
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !fitsF32(x) || x <= 0)) {
        throw new Error(`${file}: rope scaling ${shownValue(type)} needs "${key}", a list of positive numbers (got ${shownValue(v)})`);
      }
      return v as number[];
    };
    return { type: 'longrope', shortFactor: factors('short_factor'), longFactor: factors('long_factor') };
  }
  if (type === 'yarn') {
    // The converter writes YaRN only with a factor, and needs original_max_position_embeddings then.
    if (factor === undefined) return { type: 'none' };
    const original = p.original_max_position_embeddings;
    if (typeof original !== 'number' || !Number.isInteger(original) || original <= 0 || original > CONFIG_MAX_INT) {
      throw new Error(`${file}: yarn rope scaling needs "original_max_position_embeddings", a positive integer (got ${shownValue(original)})`);
    }
    const optional = (key: string) => num(p[key], key);
    return {
      type: 'yarn', factor, originalContextLength: original,
      extFactor: optional('extrapolation_factor'), attnFactor: num(p.attention_factor ?? p.attn_factor, 'attention_factor'),
      betaFast: optional('beta_fast'), betaSlow: optional('beta_slow'),
    };
  }
  throw new Error(`${file}: rope scaling type ${shownValue(type)} is not supported yet (supported: default, linear, llama3, longrope, yarn)`);
}

/** The rotary dimension llama.cpp uses: head_dim if given, else hidden/heads. */
export function ropeDimension(config: ModelConfig): number {
  return config.headDim ?? config.hiddenSize / config.headCount;
}
