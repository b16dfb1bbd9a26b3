// Which ggml types a tensor may get in a dynamic recipe. A candidate must fit the tensor's rows
// (block size divides ne[0]) so that llama-quantize keeps it as given; a wanted type that does not
// fit stands for the type llama-quantize falls back to, as it would in a mix.
import { bitsPerWeight, type GgmlTypeName } from '../ggml-type.ts';
import { fallbackForRowLength } from '../recipe/choose-types.ts';
import type { PlannedTensor } from '../model/plan-types.ts';
import { isImatrixSparedTensor, LLAMA_QUANTIZE_IMATRIX_TYPES } from '../recipe/llama-quantize-imatrix.ts';

/** From about 2.6 to 8.5 bits per weight: the K-quants, two i-quants and Q8_0. */
export const DEFAULT_CANDIDATES: readonly GgmlTypeName[] = ['Q2_K', 'Q3_K', 'IQ3_S', 'Q4_K', 'IQ4_XS', 'Q5_K', 'Q6_K', 'Q8_0'];

/**
 * The 1.6–2.5 bit i-quants that llama.cpp's smallest mixes (IQ1_S … IQ2_M) are built on. They need an
 * importance matrix, and measuring them costs about 60% more than the default set alone.
 */
export const LOW_BIT_CANDIDATES: readonly GgmlTypeName[] = ['IQ1_S', 'IQ1_M', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S'];

/** Every size llama.cpp's mixes come in, from IQ1_S to Q8_0: one measurement serves them all. */
export const EVERY_SIZE_CANDIDATES: readonly GgmlTypeName[] = [...LOW_BIT_CANDIDATES, ...DEFAULT_CANDIDATES];

/** Types with fast kernels on Apple/ARM CPUs (the legacy 32-blocks and IQ4_NL). */
export const ARM_CANDIDATES: readonly GgmlTypeName[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL', 'Q8_0'];

/**
 * The wanted types as rows of `cols` values can hold them: each type whose blocks fit, else
 * llama-quantize's fallback for it (Q4_K -> Q5_0, IQ4_XS -> IQ4_NL, ...). Without this, a model
 * whose width is not a multiple of 256 (SmolLM2: 576) had only Q8_0 for most of its tensors.
 * A fallback to F16 (rows not a multiple of 32) is not a choice and is left out.
 */
export function typesForRows(types: readonly GgmlTypeName[], cols: number): GgmlTypeName[] {
  return [...new Set(types.map((t) => fallbackForRowLength(t, cols)))].filter((t) => t !== 'F16' || types.includes('F16'));
}

/** The candidates this tensor can take, smallest first; empty for tensors that stay F32. */
export function candidateTypesFor(tensor: PlannedTensor, candidates: readonly GgmlTypeName[], hasImatrix: boolean): GgmlTypeName[] {
  if (!tensor.quantizable) return [];
  const cols = tensor.ne[0]!;
  const spared = isImatrixSparedTensor(tensor.ggufName);
  return typesForRows(candidates, cols)
    // The types llama-quantize guards with an imatrix are out where the tensor will have none:
    // every tensor without one loaded, and the embeddings and output always (llama-imatrix collects no
    // weights for them, and without weights these types are too poor to be worth their bytes).
    .filter((t) => !(LLAMA_QUANTIZE_IMATRIX_TYPES.has(t) && (!hasImatrix || spared)))
    .sort((a, b) => bitsPerWeight(a) - bitsPerWeight(b));
}
