// llama_ftype values (include/llama.h): what general.file_type says about a file. Keyed by
// StorableTypeName, so a new type does not compile without its value.
import type { StorableTypeName } from '../ggml-type.ts';

/** The llama_ftype of a file whose quantized tensors are all of one type (LLAMA_FTYPE_MOSTLY_*). */
export const FILE_TYPE_OF_BASE: Record<StorableTypeName, number> = {
  F32: 0, F16: 1, BF16: 32,
  Q4_0: 2, Q4_1: 3, Q5_0: 8, Q5_1: 9, Q8_0: 7,
  Q2_K: 10, Q3_K: 11, Q4_K: 14, Q5_K: 16, Q6_K: 18,
  IQ2_XXS: 19, IQ2_XS: 20, IQ2_S: 28, IQ3_XXS: 23, IQ3_S: 26, IQ1_S: 24, IQ1_M: 31,
  IQ4_NL: 25, IQ4_XS: 30, TQ1_0: 36, TQ2_0: 37, MXFP4: 38,
  NVFP4: 39, Q1_0: 40, Q2_0: 41,
};
