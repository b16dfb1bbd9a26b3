// Enforces the quantizer's own imatrix rule (GgmlTypeTraits.quantizerNeedsImatrix, from
// ggml_quantize_requires_imatrix): IQ2_XXS, IQ2_XS and IQ1_S abort without importance weights
// (their search is tuned on them and degrades badly without); we throw instead.
import type { GgmlTypeName } from '../../ggml-type.ts';

/** Returns the imatrix, or throws an error that names the type and what is missing. */
export function requireQuantizerImatrix(type: GgmlTypeName, imatrix: Float32Array | null): Float32Array {
  if (imatrix === null) {
    throw new Error(
      `${type} needs an importance matrix (imatrix): ggml refuses to quantize ${type} without one; ` +
      'supply an imatrix file or choose another type',
    );
  }
  return imatrix;
}
