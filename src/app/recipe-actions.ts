// Recipe edits. Types and the size summary are recomputed here, synchronously, so the numbers
// on screen change in the same render as the click (they come from shapes, not weights).
import { parseGgmlTypeName, type GgmlTypeName } from '../core/ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { fallbackForRowLength, parseTypeOverrideFile, type SizeSummary } from '../core/recipe/choose-types.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { cellRefusal } from './importance-checks.ts';
import { recorded, redone, undone, type EditHistory, type RecipeEdits } from './edit-history.ts';
import { imatrixExtraMetadata, sizeSummarizer, studioTensorTypes } from './mix-choices.ts';
import { initialExport, useStudio, type RecipeSlice, type StudioState } from './store.ts';

type Recipe = RecipeSlice['recipe'];

/** A refused export's message is about the recipe it was refused for: a new recipe clears it. */
function updateRecipe(change: (recipe: Recipe) => Recipe): void {
  useStudio.setState((s) => withRecipe(s, change(s.recipe)));
}

const editsOf = (r: Recipe): RecipeEdits => ({ mix: r.mix, dynamic: r.dynamic, overrides: r.overrides });

/** A user's edit: applied, with the recipe as it was kept for Undo. */
function editRecipe(change: (recipe: Recipe) => Recipe): void {
  useStudio.setState((s) => {
    const next = withRecipe(s, change(s.recipe));
    return { ...next, editHistory: recorded(s.editHistory, editsOf(s.recipe), editsOf(next.recipe)) };
  });
}

function restoreEdits(step: (history: EditHistory, current: RecipeEdits) => ReturnType<typeof undone>): boolean {
  let done = false;
  useStudio.setState((s) => {
    const moved = step(s.editHistory, editsOf(s.recipe));
    if (!moved) return {};
    done = true;
    return { ...withRecipe(s, { ...s.recipe, ...moved.restore }), editHistory: moved.history };
  });
  return done;
}

/** The recipe before the last edit; false when there is none. */
export const undoEdit = (): boolean => restoreEdits(undone);
export const redoEdit = (): boolean => restoreEdits(redone);

/** Every per-tensor edit (lock) dropped: the mix, or the dynamic allocation, decides again. */
export function resetEdits(): void {
  editRecipe((r) => ({ ...r, overrides: {} }));
}

export interface PatternResult {
  /** Tensors whose type the patterns set (after llama.cpp's fallback for their row length). */
  changed: number;
  /** Patterns that matched no quantizable tensor. */
  unmatched: string[];
  /** Tensors left as they were: their type needs an importance matrix the studio does not have. */
  refused: string[];
}

/**
 * llama-quantize's --tensor-type entries (PATTERN=TYPE, a regex searched in each tensor's name;
 * the first matching entry wins), typed or read from a --tensor-type-file, as heatmap edits in
 * one step (one Undo). Throws, naming the entry, on a malformed one; nothing changes then.
 */
export function applyTypePatterns(text: string, label: string): PatternResult {
  const state = useStudio.getState();
  const plan = state.source.plan;
  if (!plan) throw new Error('open a model first');
  const entries = parseTypeOverrideFile(text, parseGgmlTypeName, label);
  if (entries.length === 0) throw new Error(`${label}: no PATTERN=TYPE entry`);
  const set: Record<string, GgmlTypeName> = {};
  const refused: string[] = [];
  const matched = new Set<number>();
  for (const tensor of plan.tensors) {
    if (!tensor.quantizable) continue;
    const at = entries.findIndex((o) => o.pattern.test(tensor.ggufName));
    if (at < 0) continue;
    matched.add(at);
    const type = fallbackForRowLength(entries[at]!.type, tensor.ne[0]!);
    if (cellRefusal(state, tensor.ggufName, type)) refused.push(tensor.ggufName);
    else set[tensor.ggufName] = type;
  }
  editRecipe((r) => ({ ...r, overrides: { ...r.overrides, ...set } }));
  return { changed: Object.keys(set).length, unmatched: entries.filter((_, i) => !matched.has(i)).map((o) => o.pattern.source), refused };
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
export function setMix(mix: MixName, { record = true } = {}): void {
  (record ? editRecipe : updateRecipe)((r) => ({ ...r, mix, dynamic: null }));
}

/** A dynamic allocation's types; `baseMix` gives general.file_type (llama-quantize's TYPE argument). */
export function setDynamicTypes(types: Readonly<Record<string, GgmlTypeName>>, baseMix: MixName): void {
  editRecipe((r) => ({ ...r, mix: baseMix, dynamic: types }));
}

/** Edits, the dynamic allocation and all: back to the plain mix (a new model, an imported recipe). */
export function replaceRecipe(mix: MixName, dynamic: Readonly<Record<string, GgmlTypeName>> | null, overrides: Readonly<Record<string, GgmlTypeName>>): void {
  editRecipe((r) => ({ ...r, mix, dynamic, overrides }));
}

/**
 * Locks a tensor's type; refused (returns why, changes nothing) when the type needs importance
 * weights the studio does not have for this tensor: such a lock would only fail in the export.
 */
export function setTensorType(ggufName: string, type: GgmlTypeName): string | null {
  const refusal = cellRefusal(useStudio.getState(), ggufName, type);
  if (refusal) return refusal;
  editRecipe((r) => ({ ...r, overrides: { ...r.overrides, [ggufName]: type } }));
  return null;
}

/** Back to whatever the mix gives this tensor. */
export function clearTensorType(ggufName: string): void {
  editRecipe((r) => {
    const { [ggufName]: _dropped, ...rest } = r.overrides;
    return { ...r, overrides: rest };
  });
}
