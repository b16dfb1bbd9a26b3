// Which ggml types a tensor may get in a dynamic recipe. A candidate must fit the tensor's rows
// (block size divides ne[0]) so that llama-quantize keeps it as given instead of falling back.
import { bitsPerWeight, rowFitsBlocks, type GgmlTypeName } from '../ggml-type.ts';
import type { PlannedTensor } from '../model/plan-types.ts';
import { isImatrixSparedTensor, LLAMA_QUANTIZE_IMATRIX_TYPES } from '../recipe/llama-quantize-imatrix.ts';

/** From about 2.6 to 8.5 bits per weight: the K-quants, two i-quants and Q8_0. */
export const DEFAULT_CANDIDATES: readonly GgmlTypeName[] = ['Q2_K', 'Q3_K', 'IQ3_S', 'Q4_K', 'IQ4_XS', 'Q5_K', 'Q6_K', 'Q8_0'];

/** Types with fast kernels on Apple/ARM CPUs (the legacy 32-blocks and IQ4_NL). */
export const ARM_CANDIDATES: readonly GgmlTypeName[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL', 'Q8_0'];

/** The candidates this tensor can take, smallest first; empty for tensors that stay F32. */
export function candidateTypesFor(tensor: PlannedTensor, candidates: readonly GgmlTypeName[], hasImatrix: boolean): GgmlTypeName[] {
  if (!tensor.quantizable) return [];
  const cols = tensor.ne[0]!;
  const spared = isImatrixSparedTensor(tensor.ggufName);
  return [...new Set(candidates)]
    .filter((t) => rowFitsBlocks(t, cols))
    // The types llama-quantize guards with an imatrix are out where the tensor will have none:
    // every tensor without one loaded, and the embeddings and output always (llama-imatrix collects no
    // weights for them, and without weights these types are too poor to be worth their bytes).
    .filter((t) => !(LLAMA_QUANTIZE_IMATRIX_TYPES.has(t) && (!hasImatrix || spared)))
    .sort((a, b) => bitsPerWeight(a) - bitsPerWeight(b));
}
