// Qwen2 and Qwen3: NEOX rope in llama.cpp, so Q/K are written as they are; Qwen2 has q/k/v biases,
// Qwen3 per-head q/k norms. Keys are TextModel's, nothing more.
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';

const QWEN_BLOCK = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];

export const QWEN2: ArchitectureSpec = {
  ggufArchitecture: 'qwen2',
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes(...QWEN_BLOCK),
  hparamKvs: (config) => textModelKvs('qwen2', config).toArray(),
  tokenizer: {},
};

export const QWEN3: ArchitectureSpec = {
  ggufArchitecture: 'qwen3',
  transformOf: noTransform,
  requiredBlockSuffixes: () => blockSuffixes(...QWEN_BLOCK, 'attn_q_norm', 'attn_k_norm'),
  hparamKvs: (config) => textModelKvs('qwen3', config).toArray(),
  tokenizer: {},
};
