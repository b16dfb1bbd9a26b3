// llama-quantize's file types ("mixes") by name, apart from their rules (llama-mixes.ts) so that
// the imatrix policy can name them without importing the rules that use it.
export const MIX_NAMES = [
  'F32', 'F16', 'BF16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q5_K_S', 'Q5_1', 'Q5_0', 'Q4_K_M', 'Q4_K_S', 'Q4_1', 'Q4_0',
  'IQ4_NL', 'IQ4_XS', 'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'IQ3_M', 'IQ3_S', 'IQ3_XS', 'IQ3_XXS',
  'Q2_K', 'Q2_K_S', 'IQ2_M', 'IQ2_S', 'IQ2_XS', 'IQ2_XXS', 'IQ1_M', 'IQ1_S', 'TQ2_0', 'TQ1_0', 'MXFP4_MOE',
  'Q2_0', 'Q1_0',
] as const;
export type MixName = (typeof MIX_NAMES)[number];
