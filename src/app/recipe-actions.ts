// Recipe edits. Types and the size summary are recomputed here, synchronously, so the numbers
// on screen change in the same render as the click (they come from shapes, not weights).
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import type { SizeSummary } from '../core/recipe/choose-types.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { cellRefusal } from './importance-checks.ts';
import { imatrixExtraMetadata, sizeSummarizer, studioTensorTypes } from './mix-choices.ts';
import { initialExport, useStudio, type RecipeSlice, type StudioState } from './store.ts';

type Recipe = RecipeSlice['recipe'];

/** A refused export's message is about the recipe it was refused for: a new recipe clears it. */
function updateRecipe(change: (recipe: Recipe) => Recipe): void {
  useStudio.setState((s) => withRecipe(s, change(s.recipe)));
}

/** The state with `recipe` in it, its types and size computed for the open plan and imatrix. */
export function withRecipe(s: Pick<StudioState, 'source' | 'imatrix' | 'exportJob'>, recipe: Recipe): Pick<StudioState, 'recipe'> & Partial<Pick<StudioState, 'exportJob'>> {
  return {
    recipe: withTypes(recipe, s.source.plan, s.imatrix),
    ...(s.exportJob.phase === 'blocked' ? { exportJob: initialExport } : {}),
  };
}

// Every click recomputes the size; the header (the whole vocabulary) is encoded once per model
// and imatrix (whose keys the header also holds).
const summarizers = new WeakMap<ModelPlan, { key: string; summarize: (types: TensorTypes) => SizeSummary }>();

function summarize(plan: ModelPlan, imatrix: StudioState['imatrix'], types: TensorTypes): SizeSummary {
  const extra = imatrixExtraMetadata(imatrix.status === 'ready' ? imatrix : null);
  const key = JSON.stringify(extra);
  let cached = summarizers.get(plan);
  if (!cached || cached.key !== key) summarizers.set(plan, (cached = { key, summarize: sizeSummarizer(plan, extra) }));
  return cached.summarize(types);
}

/** A pure function of its arguments (the size summarizer is only memoized per plan). */
function withTypes(recipe: Recipe, plan: ModelPlan | null, imatrix: StudioState['imatrix']): Recipe {
  if (!plan) return { ...recipe, types: null, appliedMix: null, totalBytes: 0, bitsPerWeight: 0, error: null };
  try {
    const hasImatrix = imatrix.status === 'ready';
    // A dynamic recipe names every quantizable tensor: the mix only gives the file type and the
    // tensors that always stay F32, and the user's edits (locks) still win.
    const types = studioTensorTypes(plan, {
      mix: recipe.dynamic ? 'F16' : recipe.mix, hasImatrix, edits: { ...recipe.dynamic, ...recipe.overrides },
    });
    const { totalBytes, bitsPerWeight } = summarize(plan, imatrix, types);
    return { ...recipe, types, appliedMix: recipe.mix, totalBytes, bitsPerWeight, error: null };
  } catch (e) {
    // Keep showing the last recipe that could be applied (and its size): the message says why
    // the new one cannot, and the user can load an imatrix or pick another mix.
    return { ...recipe, error: (e as Error).message };
  }
}

export function recomputeRecipe(): void {
  updateRecipe((r) => r);
}

/** After a new model is opened: nothing of the old model's recipe is shown any more. */
export function resetRecipeTypes(): void {
  updateRecipe((r) => ({ ...r, types: null, appliedMix: null, totalBytes: 0, bitsPerWeight: 0 }));
}

/** A llama.cpp mix again: the dynamic allocation (if any) is dropped, the user's edits stay. */
export function setMix(mix: MixName): void {
  updateRecipe((r) => ({ ...r, mix, dynamic: null }));
}

/** A dynamic allocation's types; `baseMix` gives general.file_type (llama-quantize's TYPE argument). */
export function setDynamicTypes(types: Readonly<Record<string, GgmlTypeName>>, baseMix: MixName): void {
  updateRecipe((r) => ({ ...r, mix: baseMix, dynamic: types }));
}

/** Edits, the dynamic allocation and all: back to the plain mix (a new model, an imported recipe). */
export function replaceRecipe(mix: MixName, dynamic: Readonly<Record<string, GgmlTypeName>> | null, overrides: Readonly<Record<string, GgmlTypeName>>): void {
  updateRecipe((r) => ({ ...r, mix, dynamic, overrides }));
}

/**
 * Locks a tensor's type; refused (returns why, changes nothing) when the type needs importance
 * weights the studio does not have for this tensor: such a lock would only fail in the export.
 */
export function setTensorType(ggufName: string, type: GgmlTypeName): string | null {
  const refusal = cellRefusal(useStudio.getState(), ggufName, type);
  if (refusal) return refusal;
  updateRecipe((r) => ({ ...r, overrides: { ...r.overrides, [ggufName]: type } }));
  return null;
}

/** Back to whatever the mix gives this tensor. */
export function clearTensorType(ggufName: string): void {
  updateRecipe((r) => {
    const { [ggufName]: _dropped, ...rest } = r.overrides;
    return { ...r, overrides: rest };
  });
}
