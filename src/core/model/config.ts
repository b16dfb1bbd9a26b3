// config.json -> the hyperparameters a Llama-family plan needs, checked field by field.

/** HF architectures this planner handles, all written as GGUF "llama" (as llama.cpp's converter does). */
export const SUPPORTED_HF_ARCHITECTURES = ['LlamaForCausalLM', 'MistralForCausalLM'] as const;
export type SupportedHfArchitecture = (typeof SUPPORTED_HF_ARCHITECTURES)[number];

export interface LlamaConfig {
  hfArchitecture: SupportedHfArchitecture;
  hiddenSize: number;
  intermediateSize: number;
  layerCount: number;
  headCount: number;
  headCountKv: number;
  /** Only when config.json states it (the converter writes key/value_length only then). */
  headDim: number | undefined;
  vocabSize: number;
  contextLength: number | undefined;
  rmsNormEps: number | undefined;
  ropeTheta: number | undefined;
  /** Linear rope scaling factor; other scaling types are refused when read. */
  ropeLinearFactor: number | undefined;
  /** The raw object, for the special-token fallbacks (`bos_token_id`, …). */
  raw: Record<string, unknown>;
}

export function readLlamaConfig(json: unknown, file = 'config.json'): LlamaConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file}: must be a JSON object`);
  let raw = json as Record<string, unknown>;
  // Multimodal wrappers keep the language model under text_config; the converter lifts it up.
  if (typeof raw.text_config === 'object' && raw.text_config !== null) raw = { ...raw, ...(raw.text_config as object) };
  const archs = raw.architectures;
  const arch = Array.isArray(archs) ? archs[0] : undefined;
  if (!SUPPORTED_HF_ARCHITECTURES.includes(arch as SupportedHfArchitecture)) {
    throw new Error(`${file}: architecture ${JSON.stringify(arch ?? null)} is not supported (supported: ${SUPPORTED_HF_ARCHITECTURES.join(', ')})`);
  }
  const int = (key: string): number => {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new Error(`${file}: "${key}" must be a positive integer (got ${JSON.stringify(v)})`);
    return v;
  };
  const optionalInt = (key: string): number | undefined => (raw[key] === undefined || raw[key] === null ? undefined : int(key));
  const optionalNumber = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: "${key}" must be a number (got ${JSON.stringify(v)})`);
    return v;
  };
  const headCount = int('num_attention_heads');
  const hiddenSize = int('hidden_size');
  const headDim = optionalInt('head_dim');
  if (headDim === undefined && hiddenSize % headCount !== 0) {
    throw new Error(`${file}: hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${headCount} and head_dim is missing`);
  }
  const headCountKv = optionalInt('num_key_value_heads') ?? headCount;
  const rope = readRope(file, raw);
  return {
    hfArchitecture: arch as SupportedHfArchitecture,
    hiddenSize,
    intermediateSize: int('intermediate_size'),
    layerCount: int('num_hidden_layers'),
    headCount,
    headCountKv,
    headDim,
    vocabSize: int('vocab_size'),
    contextLength: optionalInt('max_position_embeddings'),
    rmsNormEps: optionalNumber('rms_norm_eps'),
    ropeTheta: rope.theta ?? optionalNumber('rope_theta'),
    ropeLinearFactor: rope.linearFactor,
    raw,
  };
}

/** `rope_parameters` (transformers 5) or `rope_scaling` (older); only none/default/linear are written. */
function readRope(file: string, raw: Record<string, unknown>): { theta?: number; linearFactor?: number } {
  const params = (raw.rope_parameters ?? raw.rope_scaling) as Record<string, unknown> | null | undefined;
  if (params === undefined || params === null) return {};
  const type = params.rope_type ?? params.type;
  const theta = typeof params.rope_theta === 'number' ? params.rope_theta : undefined;
  if (type === undefined || type === 'default') return { theta };
  if (type === 'linear' && typeof params.factor === 'number') return { theta, linearFactor: params.factor };
  throw new Error(`${file}: rope scaling type ${JSON.stringify(type)} is not supported yet (supported: default, linear)`);
}

/** The rotary dimension llama.cpp uses: head_dim if given, else hidden/heads. */
export function ropeDimension(config: LlamaConfig): number {
  return config.headDim ?? config.hiddenSize / config.headCount;
}
