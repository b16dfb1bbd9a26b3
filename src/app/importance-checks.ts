// The studio's side of "this type needs an importance matrix": asked by the type menu (refuse the
// type, say why), the recipe edits (never store such a lock) and the export (refuse before the
// save dialog, naming the tensors). The rule itself is core's (recipe/imatrix-needs.ts).
import type { GgmlTypeName } from '../core/ggml-type.ts';
import {
  missingImportance, missingImportanceReason, needsImatrixByEitherRule, type MissingImportance,
} from '../core/recipe/imatrix-needs.ts';
import type { StudioState } from './store.ts';

type State = Pick<StudioState, 'imatrix' | 'recipe'>;

/** The tensors the loaded imatrix has weights for; null when none is loaded. */
export function coveredTensors(imatrix: StudioState['imatrix']): ReadonlySet<string> | null {
  return imatrix.status === 'ready' ? new Set(imatrix.entryNames) : null;
}

/** Why `type` cannot be chosen for `tensor` now (null: it can). */
export function cellRefusal(state: State, tensor: string, type: GgmlTypeName): string | null {
  const mix = state.recipe.appliedMix ?? state.recipe.mix;
  if (!needsImatrixByEitherRule(tensor, type, mix)) return null;
  const covered = coveredTensors(state.imatrix);
  if (covered?.has(tensor)) return null;
  return missingImportanceReason({ tensor, type, loaded: covered !== null });
}

/** The recipe's tensors that would need weights the studio does not have (empty: exportable). */
export function recipeMissingImportance(state: State): MissingImportance[] {
  const { recipe, imatrix } = state;
  if (!recipe.types) return [];
  return missingImportance(recipe.types, recipe.appliedMix ?? recipe.mix, coveredTensors(imatrix));
}
