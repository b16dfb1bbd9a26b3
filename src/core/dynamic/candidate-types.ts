// Which ggml types a tensor may get in a dynamic recipe. A candidate must fit the tensor's rows
// (block size divides ne[0]) so that llama-quantize keeps it as given instead of falling back.
import { GGML_TYPES, type GgmlTypeName } from '../ggml-type.ts';
import type { PlannedTensor } from '../model/plan-types.ts';

/** From about 2.6 to 8.5 bits per weight: the K-quants, two i-quants and Q8_0. */
export const DEFAULT_CANDIDATES: readonly GgmlTypeName[] = ['Q2_K', 'Q3_K', 'IQ3_S', 'Q4_K', 'IQ4_XS', 'Q5_K', 'Q6_K', 'Q8_0'];

/** Types with fast kernels on Apple/ARM CPUs (the legacy 32-blocks and IQ4_NL). */
export const ARM_CANDIDATES: readonly GgmlTypeName[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL', 'Q8_0'];

/** ggml refuses to produce these without an importance matrix. */
const NEEDS_IMATRIX = new Set<GgmlTypeName>(['IQ3_XXS', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ1_M', 'IQ1_S']);

export function typeNeedsImatrix(type: GgmlTypeName): boolean {
  return NEEDS_IMATRIX.has(type);
}

/** The candidates this tensor can take, smallest first; empty for tensors that stay F32. */
export function candidateTypesFor(tensor: PlannedTensor, candidates: readonly GgmlTypeName[], hasImatrix: boolean): GgmlTypeName[] {
  if (!tensor.quantizable) return [];
  const cols = tensor.ne[0]!;
  const isEmbedding = tensor.ggufName === 'token_embd.weight' || tensor.ggufName === 'output.weight';
  return [...new Set(candidates)]
    .filter((t) => cols % GGML_TYPES[t].blockSize === 0)
    // token_embd/output never get an imatrix in llama-quantize, so the i-quants that need one are out.
    .filter((t) => !(typeNeedsImatrix(t) && (!hasImatrix || isEmbedding)))
    .sort((a, b) => bitsOf(a) - bitsOf(b));
}

export function bitsOf(type: GgmlTypeName): number {
  const t = GGML_TYPES[type];
  return (t.typeSize * 8) / t.blockSize;
}
