// Which tensors of a recipe cannot be written without importance weights, checked before an
// export starts (the page and the export worker both ask): a recipe with such a tensor would
// otherwise run for minutes and fail at that tensor. Two rules meet here: the quantizers
// themselves throw for IQ2_XXS, IQ2_XS and IQ1_S without weights (ggml_quantize_requires_imatrix,
// whatever the tensor), and llama-quantize's policy (requiresImatrix) also refuses the other
// very low-bit types for block tensors.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { TensorTypes } from '../model/plan-types.ts';
import { IQ_REQUIRES_IMATRIX } from '../quant/iq/iq-tables.ts';
import { requiresImatrix, type MixName } from './llama-mixes.ts';

/** Whether `type` on `tensorName` (under `mix`, for Q2_K_S's rule) needs importance weights. */
export function needsImportance(tensorName: string, type: GgmlTypeName, mix: MixName): boolean {
  return (IQ_REQUIRES_IMATRIX as ReadonlySet<GgmlTypeName>).has(type) || requiresImatrix(tensorName, type, mix);
}

export interface MissingImportance {
  tensor: string;
  type: GgmlTypeName;
  /** An imatrix is loaded but has no entry for this tensor (the weights are per tensor). */
  loaded: boolean;
}

/**
 * The tensors whose type needs importance weights that are not at hand. `covered`: the GGUF names
 * the loaded imatrix has entries for; null when none is loaded.
 */
export function missingImportance(types: TensorTypes, mix: MixName, covered: ReadonlySet<string> | null): MissingImportance[] {
  const out: MissingImportance[] = [];
  for (const [tensor, type] of types) {
    if (!needsImportance(tensor, type, mix) || covered?.has(tensor)) continue;
    out.push({ tensor, type, loaded: covered !== null });
  }
  return out;
}

export function missingImportanceReason(m: MissingImportance): string {
  return m.loaded
    ? `${m.tensor}: ${m.type} needs an importance matrix, and the loaded one has no entry for this tensor — choose another type for it`
    : `${m.tensor}: ${m.type} needs an importance matrix — load or compute one`;
}

/** One message for all of them: the first few named, the rest counted. */
export function missingImportanceMessage(missing: readonly MissingImportance[], shown = 3): string {
  const named = missing.slice(0, shown).map(missingImportanceReason).join('; ');
  const more = missing.length > shown ? `; and ${missing.length - shown} more tensor${missing.length - shown === 1 ? '' : 's'}` : '';
  return `${named}${more}.`;
}
