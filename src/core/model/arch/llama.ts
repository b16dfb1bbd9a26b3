// Llama and Mistral (GGUF "llama"): Q/K rows permuted to interleaved rope pairs; Llama 3 rope
// scaling becomes a generated rope_freqs.weight.
import { ropeDimension, type ModelConfig } from '../config.ts';
import { llamaKvs } from '../llama-metadata.ts';
import type { PlannedTensor, TensorRole, TensorTransform } from '../plan-types.ts';
import { llama3RopeFactors } from '../rope-freqs.ts';
import { blockSuffixes, type ArchitectureSpec } from './architecture.ts';

/** llama.cpp's converter permutes Q and K (weights and biases) from HF rotate-half to interleaved rope. */
function llamaTransformOf(role: TensorRole, _hfName: string, config: ModelConfig): TensorTransform {
  if (role === 'attn_q' || role === 'attn_q_bias') return { kind: 'permute-qk', heads: config.headCount };
  if (role === 'attn_k' || role === 'attn_k_bias') return { kind: 'permute-qk', heads: config.headCountKv };
  return { kind: 'none' };
}

function ropeFreqsTensor(config: ModelConfig): PlannedTensor[] {
  if (config.ropeScaling.type !== 'llama3') return [];
  const values = llama3RopeFactors(config.ropeScaling, config.ropeTheta ?? 10000, ropeDimension(config));
  const shape = [values.length];
  return [{
    ggufName: 'rope_freqs.weight',
    hfName: '(llama3 rope scaling)',
    role: 'rope_freqs',
    layer: null,
    ne: shape,
    source: { kind: 'generated', file: 'config.json', name: 'rope_scaling', dtype: 'F32', shape, values },
    transform: { kind: 'none' },
    quantizable: false,
  }];
}

export const LLAMA: ArchitectureSpec = {
  ggufArchitecture: 'llama',
  transformOf: llamaTransformOf,
  requiredBlockSuffixes: () => blockSuffixes('attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'),
  hparamKvs: llamaKvs,
  generatedTensors: ropeFreqsTensor,
  ropeScalings: ['llama3'],
  tokenizer: {},
};
