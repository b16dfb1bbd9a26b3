// Which tensors of a recipe cannot be written without importance weights, checked before an
// export starts (the page and the export worker both ask): a recipe with such a tensor would
// otherwise run for minutes and fail at that tensor. It is the union of two rules: the
// quantizer's own (quantizerNeedsImatrix, from the type table: any tensor) and llama-quantize's
// policy (llamaQuantizeRefusesWithoutImatrix: more types, block tensors only, and the mix).
import { quantizerNeedsImatrix, type GgmlTypeName } from '../ggml-type.ts';
import type { TensorTypes } from '../model/plan-types.ts';
import type { MixName } from './mix-names.ts';
import { llamaQuantizeRefusesWithoutImatrix } from './llama-quantize-imatrix.ts';

/** Whether either rule wants importance weights for `type` on `tensorName` (under `mix`, for Q2_K_S). */
export function needsImatrixByEitherRule(tensorName: string, type: GgmlTypeName, mix: MixName): boolean {
  return quantizerNeedsImatrix(type) || llamaQuantizeRefusesWithoutImatrix(tensorName, type, mix);
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
    if (!needsImatrixByEitherRule(tensor, type, mix) || covered?.has(tensor)) continue;
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
