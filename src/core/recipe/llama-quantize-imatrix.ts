// llama-quantize's imatrix policy (src/llama-quant.cpp), wider than the quantizers' own rule
// (GgmlTypeTraits.quantizerNeedsImatrix, which holds on every tensor): it refuses to write the very
// low-bit types to a tensor that has no importance weights, because they come out too poor
// without; and under the Q2_K_S mix it refuses Q2_K too. It spares token_embd and output, for
// which llama-imatrix normally collects no weights.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { MixName } from './mix-names.ts';

/** The types llama-quantize refuses on a block tensor without importance weights, whatever the mix. */
export const LLAMA_QUANTIZE_IMATRIX_TYPES: ReadonlySet<GgmlTypeName> = new Set<GgmlTypeName>([
  'IQ3_XXS', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ1_M', 'IQ1_S',
]);

const SPARED_TENSORS = new Set(['token_embd.weight', 'per_layer_token_embd.weight', 'output.weight']);

/** The embeddings and the output head: llama-imatrix collects no weights for them, and llama-quantize spares them. */
export function isImatrixSparedTensor(tensorName: string): boolean {
  return SPARED_TENSORS.has(tensorName);
}

/** Whether llama-quantize, run with `mix`, refuses `type` for `tensorName` when it has no imatrix. */
export function llamaQuantizeRefusesWithoutImatrix(tensorName: string, type: GgmlTypeName, mix: MixName): boolean {
  if (isImatrixSparedTensor(tensorName)) return false;
  return LLAMA_QUANTIZE_IMATRIX_TYPES.has(type) || (type === 'Q2_K' && mix === 'Q2_K_S');
}
