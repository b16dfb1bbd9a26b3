// OLMo 2 (GGUF "olmo2"): norms after attention and after the feed-forward instead of before them
// (post_attention_layernorm is its attention's post-norm, not Llama's ffn_norm), q/k norms over
// the whole projection rather than per head, NeoX rope (nothing permuted), an untied output.
// Keys are TextModel's; the converter's sliding-window keys belong to OLMo 3 checkpoints, which
// this family does not plan.
import { shownValue } from '../../json-input.ts';
import type { ModelConfig } from '../config.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';

const OLMO2_NORMS: BlockTensorTable = {
  'post_attention_layernorm.weight': { suffix: 'post_attention_norm.weight', role: 'post_attention_norm' },
  'post_feedforward_layernorm.weight': { suffix: 'post_ffw_norm.weight', role: 'post_ffw_norm' },
};

/** What llama.cpp's OLMo 2 cannot run as the checkpoint does. */
function checkOlmo2Config(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  if (raw.sliding_window !== undefined && raw.sliding_window !== null) {
    throw new Error(`${file}: "sliding_window" is ${shownValue(raw.sliding_window)}: OLMo 2 has no sliding window (OLMo 3 checkpoints are not supported yet)`);
  }
  // llama.cpp's OLMo 2 loader requires output.weight: a tied checkpoint would convert into a file it refuses.
  if (raw.tie_word_embeddings === true) throw new Error(`${file}: "tie_word_embeddings" is true, but llama.cpp runs OLMo 2 only with its own output.weight`);
  return config;
}

export const OLMO2: ArchitectureSpec = {
  ggufArchitecture: 'olmo2',
  blockOverrides: OLMO2_NORMS,
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes(
    'attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_q_norm', 'attn_k_norm', 'post_attention_norm', 'ffn_gate', 'ffn_up', 'ffn_down', 'post_ffw_norm',
  ),
  convertedConfig: checkOlmo2Config,
  hparamKvs: (config) => textModelKvs('olmo2', config).toArray(),
  shapeRules: { qkNormOverProjection: true },
  tokenizer: {},
};
