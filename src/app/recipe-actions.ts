// Recipe edits. Types and the size summary are recomputed here, synchronously, so the numbers
// on screen change in the same render as the click (they come from shapes, not weights).
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { chooseTensorTypes, fileTypeSummary } from '../core/recipe/choose-types.ts';
import { useStudio, type RecipeSlice } from './store.ts';

function withTypes(recipe: RecipeSlice['recipe']): RecipeSlice['recipe'] {
  const plan = useStudio.getState().source.plan;
  if (!plan) return { ...recipe, types: null, totalBytes: 0, bitsPerWeight: 0, error: null };
  try {
    const edits = new Map(Object.entries(recipe.overrides));
    const types = chooseTensorTypes(plan, { baseType: recipe.baseType, edits });
    const { totalBytes, bitsPerWeight } = fileTypeSummary(plan, types);
    return { ...recipe, types, totalBytes, bitsPerWeight, error: null };
  } catch (e) {
    return { ...recipe, types: null, totalBytes: 0, bitsPerWeight: 0, error: (e as Error).message };
  }
}

export function recomputeRecipe(): void {
  useStudio.setState((s) => ({ recipe: withTypes(s.recipe) }));
}

export function setBaseType(baseType: GgmlTypeName): void {
  useStudio.setState((s) => ({ recipe: withTypes({ ...s.recipe, baseType }) }));
}

export function setTensorType(ggufName: string, type: GgmlTypeName): void {
  useStudio.setState((s) => ({
    recipe: withTypes({ ...s.recipe, overrides: { ...s.recipe.overrides, [ggufName]: type } }),
  }));
}

/** Back to whatever the base type gives this tensor. */
export function clearTensorType(ggufName: string): void {
  useStudio.setState((s) => {
    const { [ggufName]: _dropped, ...rest } = s.recipe.overrides;
    return { recipe: withTypes({ ...s.recipe, overrides: rest }) };
  });
}
