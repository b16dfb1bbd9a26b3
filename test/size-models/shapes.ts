// The real checkpoints the size models mirror: each one's config.json as the file reads (the text
// transformers writes: sorted keys, two-space indent, Python's number forms), its
// generation_config.json where it has sampling keys, its tokenizer, how its safetensors are laid
// out, and its published parameter count. Where a value could not be checked against a copy of the
// real file, a comment says so.

import type { ArchName } from '../helpers/generate-arch-model.ts';
import type { SizeTokenizer } from './tokenizers.ts';

export interface SizeModelSpec {
  /** The Hugging Face repository mirrored. */
  repo: string;
  /** The family, for its tensor list (generate-arch-model.ts's names). */
  arch: ArchName;
  config: string;
  generationConfig?: string;
  tokenizer: SizeTokenizer;
  /** Whether model.safetensors holds lm_head.weight although the embeddings are tied (Qwen3 does). */
  storesTiedLmHead?: boolean;
  /** Shard of each tensor, for checkpoints split over model-0000i-of-0000n.safetensors. */
  shards?: { count: number; of: (tensor: string) => number };
  /** The parameters in the real checkpoint's safetensors (the Hub's count), and where that was read. */
  parameters: number;
  /** Sizes in bytes of the real checkpoint's files, where public listings give them: ours must match. */
  realFileBytes?: Record<string, number>;
}

const SMOLLM2_135M = `{
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 0,
  "eos_token_id": 0,
  "hidden_act": "silu",
  "hidden_size": 576,
  "initializer_range": 0.041666666666666664,
  "intermediate_size": 1536,
  "is_llama_config": true,
  "max_position_embeddings": 8192,
  "model_type": "llama",
  "num_attention_heads": 9,
  "num_hidden_layers": 30,
  "num_key_value_heads": 3,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_interleaved": false,
  "rope_scaling": null,
  "rope_theta": 100000,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1",
  "use_cache": true,
  "vocab_size": 49152
}
`;

// Checked: the dimensions, max_position_embeddings 8192, rope_theta 100000, rms_norm_eps 1e-05 and
// the tied 49,152-token embedding (torchtune's smollm2_360m builder; transformers' print of the
// loaded HuggingFaceTB/SmolLM2-360M), and the file's length, 689 bytes, which 135M's keys with these
// values give. Not checked: the values of initializer_range (0.02) and transformers_version beyond
// their lengths.
const SMOLLM2_360M = SMOLLM2_135M
  .replace('"hidden_size": 576', '"hidden_size": 960')
  .replace('"initializer_range": 0.041666666666666664', '"initializer_range": 0.02')
  .replace('"intermediate_size": 1536', '"intermediate_size": 2560')
  .replace('"num_attention_heads": 9', '"num_attention_heads": 15')
  .replace('"num_hidden_layers": 30', '"num_hidden_layers": 32')
  .replace('"num_key_value_heads": 3', '"num_key_value_heads": 5');

// Both SmolLM2 sizes: no sampling keys. 111 bytes, as listed for SmolLM2-360M (transformers_version
// checked by its length only).
const SMOLLM2_GENERATION = `{
  "_from_model_config": true,
  "bos_token_id": 0,
  "eos_token_id": 0,
  "transformers_version": "4.40.1"
}
`;

const QWEN3_0_6B = `{
  "architectures": [
    "Qwen3ForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151645,
  "head_dim": 128,
  "hidden_act": "silu",
  "hidden_size": 1024,
  "initializer_range": 0.02,
  "intermediate_size": 3072,
  "max_position_embeddings": 40960,
  "max_window_layers": 28,
  "model_type": "qwen3",
  "num_attention_heads": 16,
  "num_hidden_layers": 28,
  "num_key_value_heads": 8,
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 1000000,
  "sliding_window": null,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.51.0",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
}
`;

// Checked: every value but transformers_version against a dump of Qwen/Qwen3-1.7B's config (as
// re-saved by a later transformers, which renamed torch_dtype and rope_theta's place); the file's
// own form is taken to be 0.6B's, released with it.
const QWEN3_1_7B = QWEN3_0_6B
  .replace('"hidden_size": 1024', '"hidden_size": 2048')
  .replace('"intermediate_size": 3072', '"intermediate_size": 6144');

const QWEN3_30B_A3B = `{
  "architectures": [
    "Qwen3MoeForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "decoder_sparse_step": 1,
  "eos_token_id": 151645,
  "head_dim": 128,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 6144,
  "max_position_embeddings": 40960,
  "max_window_layers": 48,
  "mlp_only_layers": [],
  "model_type": "qwen3_moe",
  "moe_intermediate_size": 768,
  "norm_topk_prob": true,
  "num_attention_heads": 32,
  "num_experts": 128,
  "num_experts_per_tok": 8,
  "num_hidden_layers": 48,
  "num_key_value_heads": 4,
  "output_router_logits": false,
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 1000000.0,
  "router_aux_loss_coef": 0.001,
  "sliding_window": null,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.51.0",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
}
`;

const QWEN3_GENERATION = `{
  "bos_token_id": 151643,
  "do_sample": true,
  "eos_token_id": [
    151645,
    151643
  ],
  "pad_token_id": 151643,
  "temperature": 0.6,
  "top_k": 20,
  "top_p": 0.95,
  "transformers_version": "4.51.0"
}
`;

const LLAMA_3_2_1B_INSTRUCT = `{
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": [
    128001,
    128008,
    128009
  ],
  "head_dim": 64,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 8192,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 16,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 32.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0",
  "use_cache": true,
  "vocab_size": 128256
}
`;

const LLAMA_3_2_1B_INSTRUCT_GENERATION = `{
  "bos_token_id": 128000,
  "do_sample": true,
  "eos_token_id": [
    128001,
    128008,
    128009
  ],
  "temperature": 0.6,
  "top_p": 0.9,
  "transformers_version": "4.45.0.dev0"
}
`;

const GEMMA_3_270M = `{
  "_sliding_window_pattern": 6,
  "architectures": [
    "Gemma3ForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "attn_logit_softcapping": null,
  "bos_token_id": 2,
  "eos_token_id": 1,
  "final_logit_softcapping": null,
  "head_dim": 256,
  "hidden_activation": "gelu_pytorch_tanh",
  "hidden_size": 640,
  "initializer_range": 0.02,
  "intermediate_size": 2048,
  "layer_types": [
${Array.from({ length: 18 }, (_, i) => `    "${(i + 1) % 6 === 0 ? 'full' : 'sliding'}_attention"`).join(',\n')}
  ],
  "max_position_embeddings": 32768,
  "model_type": "gemma3_text",
  "num_attention_heads": 4,
  "num_hidden_layers": 18,
  "num_key_value_heads": 1,
  "pad_token_id": 0,
  "query_pre_attn_scalar": 256,
  "rms_norm_eps": 1e-06,
  "rope_local_base_freq": 10000.0,
  "rope_scaling": null,
  "rope_theta": 1000000.0,
  "sliding_window": 512,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.55.0.dev0",
  "use_bidirectional_attention": false,
  "use_cache": true,
  "vocab_size": 262144
}
`;

const GEMMA_3_1B_IT = `{
  "architectures": [
    "Gemma3ForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "attn_logit_softcapping": null,
  "bos_token_id": 2,
  "cache_implementation": "hybrid",
  "eos_token_id": [
    1,
    106
  ],
  "final_logit_softcapping": null,
  "head_dim": 256,
  "hidden_activation": "gelu_pytorch_tanh",
  "hidden_size": 1152,
  "initializer_range": 0.02,
  "intermediate_size": 6912,
  "max_position_embeddings": 32768,
  "model_type": "gemma3_text",
  "num_attention_heads": 4,
  "num_hidden_layers": 26,
  "num_key_value_heads": 1,
  "pad_token_id": 0,
  "query_pre_attn_scalar": 256,
  "rms_norm_eps": 1e-06,
  "rope_local_base_freq": 10000,
  "rope_scaling": null,
  "rope_theta": 1000000,
  "sliding_window": 512,
  "sliding_window_pattern": 6,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.52.4",
  "use_cache": true,
  "vocab_size": 262144
}
`;

// Gemma 3's recommended sampling (top_k 64, top_p 0.95) with its token ids: recalled, not checked
// against the repositories' generation_config.json.
const GEMMA_3_GENERATION = (eos: string) => `{
  "bos_token_id": 2,
  "cache_implementation": "hybrid",
  "do_sample": true,
  "eos_token_id": ${eos},
  "pad_token_id": 0,
  "top_k": 64,
  "top_p": 0.95,
  "transformers_version": "4.50.0.dev0"
}
`;

export const SIZE_MODELS = {
  // config.json: verbatim in two public copies of the file (a README that vendors it, a Rust test
  // that embeds it); 704 bytes and model.safetensors 269,060,552 as pinned by public projects.
  // Parameters: transformers' count of the loaded model, 134,515,008. The tokenizer is a stand-in.
  'smollm2-135m': {
    repo: 'HuggingFaceTB/SmolLM2-135M', arch: 'llama3', config: SMOLLM2_135M, generationConfig: SMOLLM2_GENERATION, tokenizer: 'smollm2-stand-in',
    parameters: 134_515_008, realFileBytes: { 'config.json': 704, 'model.safetensors': 269_060_552 },
  },
  // Parameters: transformers' count of the loaded HuggingFaceTB/SmolLM2-360M, 361,821,120. File
  // sizes as a public project pins them. The tokenizer is a stand-in.
  'smollm2-360m': {
    repo: 'HuggingFaceTB/SmolLM2-360M', arch: 'llama3', config: SMOLLM2_360M, generationConfig: SMOLLM2_GENERATION, tokenizer: 'smollm2-stand-in',
    parameters: 361_821_120, realFileBytes: { 'config.json': 689, 'generation_config.json': 111, 'model.safetensors': 723_674_912 },
  },
  // config.json: verbatim in a public dump of the raw file and in test fixtures. The checkpoint
  // stores lm_head.weight although tied: the Hub counts 751,632,384 BF16 parameters, 311 tensors,
  // in a model.safetensors of 1,503,300,328 bytes (596,049,920 parameters without the copy).
  // generation_config.json: Qwen3's sampling defaults as a script that preserves them lists them.
  'qwen3-0.6b': {
    repo: 'Qwen/Qwen3-0.6B', arch: 'qwen3', config: QWEN3_0_6B, generationConfig: QWEN3_GENERATION, tokenizer: 'qwen3',
    storesTiedLmHead: true, parameters: 751_632_384, realFileBytes: { 'model.safetensors': 1_503_300_328 },
  },
  // The mixture of experts people quantize most: 48 layers of 128 experts (8 per token), each a
  // gate/up/down of width 768, stored one tensor per expert (18,432 of them). config.json from my
  // reading of the published file (values checked against llama.cpp's and transformers' Qwen3-MoE
  // code; the byte layout is not verified). Parameters: 30,532,122,624, the Hub's count, which the
  // shapes reproduce exactly. The real checkpoint has 16 shards; which tensor is in which is not
  // known here, so three layers go to each (embeddings with the first, the head with the last).
  'qwen3-30b-a3b': {
    repo: 'Qwen/Qwen3-30B-A3B', arch: 'qwen3moe', config: QWEN3_30B_A3B, generationConfig: QWEN3_GENERATION, tokenizer: 'qwen3',
    shards: { count: 16, of: (t) => { const m = /^model\.layers\.(\d+)\./.exec(t); return m ? Math.floor(Number(m[1]) / 3) : t.startsWith('model.embed') ? 0 : 15; } },
    parameters: 30_532_122_624,
  },
  // Meta's Instruct checkpoint (the base one differs in eos_token_id and generation_config). The
  // dimensions, rope scaling and ids are in a public copy of the config; every file has the size
  // public listings of the revision give (config.json's 877 bytes are those of the three eos ids).
  // Parameters: 1,235,814,400.
  'llama-3.2-1b': {
    repo: 'meta-llama/Llama-3.2-1B-Instruct', arch: 'llama3', config: LLAMA_3_2_1B_INSTRUCT, generationConfig: LLAMA_3_2_1B_INSTRUCT_GENERATION,
    tokenizer: 'llama-3.2-instruct', parameters: 1_235_814_400,
    realFileBytes: {
      'config.json': 877, 'generation_config.json': 189, 'model.safetensors': 2_471_645_608, 'tokenizer.json': 9_085_657, 'tokenizer_config.json': 54_528,
    },
  },
  // The base checkpoint. config.json: every key and value as a public test fixture copies it from
  // google/gemma-3-270m (the form written by transformers 4.55: layer_types, _sliding_window_pattern).
  // Parameters: 268,098,176 (KerasHub's preset; llama.cpp's n_params of its GGUF).
  'gemma-3-270m': {
    repo: 'google/gemma-3-270m', arch: 'gemma3', config: GEMMA_3_270M, generationConfig: GEMMA_3_GENERATION('1'), tokenizer: 'gemma3', parameters: 268_098_176,
  },
  // There is no plain gemma-3-1b: the instruction-tuned one. config.json: verbatim in a public
  // README (transformers_version as that copy has it; the Hub's file may name an earlier one).
  // Parameters: 999,885,952 (the Hub's safetensors count for google/gemma-3-1b-it).
  'gemma-3-1b': {
    repo: 'google/gemma-3-1b-it', arch: 'gemma3', config: GEMMA_3_1B_IT, generationConfig: GEMMA_3_GENERATION('[\n    1,\n    106\n  ]'),
    tokenizer: 'gemma3', parameters: 999_885_952,
  },
  // Stores lm_head.weight too: the Hub counts 2,031,739,904 (1,720,574,976 without the copy). Two
  // shards; that lm_head.weight alone fills the second (about 622 MB, the first about 3.44 GB) is
  // taken from the files' sizes as recalled, not from the index.
  'qwen3-1.7b': {
    repo: 'Qwen/Qwen3-1.7B', arch: 'qwen3', config: QWEN3_1_7B, generationConfig: QWEN3_GENERATION, tokenizer: 'qwen3',
    storesTiedLmHead: true, shards: { count: 2, of: (t) => (t === 'lm_head.weight' ? 1 : 0) }, parameters: 2_031_739_904,
  },
} satisfies Record<string, SizeModelSpec>;

export type SizeModelName = keyof typeof SIZE_MODELS;

export const SIZE_MODEL_NAMES = Object.keys(SIZE_MODELS) as SizeModelName[];

export function isSizeModelName(name: string): name is SizeModelName {
  return Object.hasOwn(SIZE_MODELS, name);
}
