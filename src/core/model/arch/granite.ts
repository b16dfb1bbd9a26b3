// Granite 3.x dense (GGUF "granite"): converted as Llama (Q/K permuted, LlamaModel keys) with four
// multipliers written as scales after them: attention.scale (the attention's QK scale),
// embedding_scale, residual_scale (each block output before the residual add) and logit_scale
// (logits divided by it). The converter drops config.json's head_dim: llama.cpp derives the head
// size from hidden_size / num_attention_heads, so a head_dim that differs is refused here.
import { shownValue } from '../../json-input.ts';
import { fitsF32, type ModelConfig } from '../config.ts';
import { KvList } from '../kv-list.ts';
import { llamaKvs } from '../llama-metadata.ts';
import type { ArchitectureSpec } from './architecture.ts';
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

function graniteKvs(config: ModelConfig) {
  const { raw, file } = config;
  const kv = new KvList();
  for (const [key, suffix] of SCALES) {
    const v = raw[key];
    if (v === undefined || v === null || v === 0) continue;
    if (typeof v !== 'number' || !fitsF32(v)) throw new Error(`${file}: "${key}" must be a number within float32's range (got ${shownValue(v)})`);
    kv.f32(`granite.${suffix}`, v);
  }
  return [...llamaKvs(config, 'granite'), ...kv.toArray()];
}

export const GRANITE: ArchitectureSpec = {
  ...LLAMA,
  ggufArchitecture: 'granite',
  convertedConfig: graniteConfig,
  hparamKvs: graniteKvs,
};
