// Undo and redo of recipe edits: each user edit (a cell's type, a pattern applied, a mix picked,
// a dynamic allocation applied, edits reset) saves the recipe as it was. Pure functions over the
// history; recipe-actions.ts records and restores.
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { MixName } from '../core/recipe/mix-names.ts';

/** What an edit changes: the mix, a dynamic allocation, and the per-tensor types (locks). */
export interface RecipeEdits {
  mix: MixName;
  dynamic: Readonly<Record<string, GgmlTypeName>> | null;
  overrides: Readonly<Record<string, GgmlTypeName>>;
}

export interface EditHistory {
  past: readonly RecipeEdits[];
  future: readonly RecipeEdits[];
}

export const initialEditHistory: EditHistory = { past: [], future: [] };

/** Steps kept: enough for a session of clicks, bounded for a MoE model's thousands of tensors. */
export const HISTORY_LIMIT = 100;

const same = (a: RecipeEdits, b: RecipeEdits) =>
  a.mix === b.mix && a.dynamic === b.dynamic && JSON.stringify(a.overrides) === JSON.stringify(b.overrides);

/** The history after an edit away from `before` to `after` (nothing recorded when nothing changed). */
export function recorded(history: EditHistory, before: RecipeEdits, after: RecipeEdits): EditHistory {
  if (same(before, after)) return history;
  return { past: [...history.past, before].slice(-HISTORY_LIMIT), future: [] };
}

/** One step back from `current`: the edits to restore and the history after; null when there is none. */
export function undone(history: EditHistory, current: RecipeEdits): { restore: RecipeEdits; history: EditHistory } | null {
  const restore = history.past.at(-1);
  if (!restore) return null;
  return { restore, history: { past: history.past.slice(0, -1), future: [current, ...history.future] } };
}

export function redone(history: EditHistory, current: RecipeEdits): { restore: RecipeEdits; history: EditHistory } | null {
  const restore = history.future[0];
  if (!restore) return null;
  return { restore, history: { past: [...history.past, current].slice(-HISTORY_LIMIT), future: history.future.slice(1) } };
}
