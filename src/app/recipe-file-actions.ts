// Recipes as files: the studio's current choice saved as a quant-studio recipe (JSON with
// provenance: model and revision, imatrix and calibration hashes, tool version) or as
// llama-quantize's --tensor-type-file; and a recipe loaded back onto the open model.
import { version } from '../../package.json';
import { planFingerprint } from '../core/dynamic/content-hash.ts';
import { tensorCost } from '../core/dynamic/predict.ts';
import { buildRecipe, parseRecipe, recipeTypes, type Recipe } from '../core/dynamic/recipe.ts';
import { recipeTensorTypeFile } from '../core/dynamic/tensor-type-file.ts';
import type { Allocation, TensorChoice } from '../core/dynamic/allocate.ts';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { exportWorker } from './export-client.ts';
import { replaceRecipe } from './recipe-actions.ts';
import { saveBytes } from './save-bytes.ts';
import { currentTable } from './measurement-inputs.ts';
import { recipeMissingImportance } from './importance-checks.ts';
import { missingImportanceMessage } from '../core/recipe/imatrix-needs.ts';
import { useStudio } from './store.ts';

const stemOf = (label: string) => (label.split('/').pop() || 'model').replace(/[^\w.-]+/g, '-');

/** The recipe on screen (mix + edits, or dynamic + locks) as a quant-studio recipe. */
export async function currentRecipe(): Promise<Recipe> {
  const state = useStudio.getState();
  const { source, recipe, dynamic } = state;
  if (!source.plan || !recipe.types || recipe.error) throw new Error('No recipe to save: open a model and choose a mix first');
  const plan = source.plan;
  // Only measurements of what is loaded now may predict this recipe's KL or name its calibration.
  const table = currentTable(state);
  const sens = new Map(table?.tensors.map((t) => [t.name, t]) ?? []);
  const choices = new Map<string, TensorChoice>();
  for (const t of plan.tensors) {
    const type = recipe.types.get(t.ggufName)!;
    choices.set(t.ggufName, { type, kld: tensorCost(sens.get(t.ggufName), type), locked: t.ggufName in recipe.overrides });
  }
  const predicted = table ? [...choices.values()].reduce((s, c) => s + c.kld, 0) : null;
  const allocation: Allocation = {
    types: recipe.types, choices, fileBytes: recipe.totalBytes, bitsPerWeight: recipe.bitsPerWeight, predictedKld: predicted ?? 0,
  };
  const loaded = state.imatrix.status === 'ready' ? await exportWorker().currentImatrix() : null;
  const fingerprint = planFingerprint(plan);
  const built = buildRecipe(plan, allocation, {
    model: source.kind === 'hub' && source.pin ? `hf://${source.pin.repo}@${source.pin.commit}${source.pin.file ? `/${source.pin.file}` : ''}` : `folder:${fingerprint}`,
    modelFingerprint: fingerprint,
    imatrix: loaded?.contentHash ?? null,
    calibration: table?.key.calibration ?? null,
    tool: `quant-studio ${version}`,
  }, recipe.dynamic && dynamic.targetBpw !== null ? { bitsPerWeight: dynamic.targetBpw } : null);
  // A mix without measurements predicts nothing; a mix's own file type stays its own.
  return { ...built, predictedKld: predicted, baseMix: recipe.dynamic ? built.baseMix : recipe.appliedMix ?? built.baseMix };
}

function recipeStem(): string {
  const { source, recipe } = useStudio.getState();
  return `${stemOf(source.label)}-${recipe.dynamic ? `dynamic-${recipe.bitsPerWeight.toFixed(2)}bpw` : recipe.appliedMix ?? recipe.mix}`;
}

export async function saveRecipeJson(): Promise<void> {
  const recipe = await currentRecipe();
  await saveBytes(new TextEncoder().encode(`${JSON.stringify(recipe, null, 2)}\n`), `${recipeStem()}.recipe.json`);
}

export async function saveTensorTypeFile(): Promise<void> {
  const recipe = await currentRecipe();
  await saveBytes(new TextEncoder().encode(recipeTensorTypeFile(recipe)), `${recipeStem()}.tensor-types.txt`);
}

/**
 * Applies a recipe file to the open model: its locked tensors become locks (heatmap edits), the
 * rest its dynamic choice; checked against the model (every tensor named, every type fits).
 * Returns a note when the recipe was made for other weights than the open ones.
 */
export async function loadRecipeFile(file: File): Promise<string | null> {
  const { source } = useStudio.getState();
  if (!source.plan) throw new Error(`${file.name}: open a model before loading a recipe`);
  const recipe = parseRecipe(await file.text(), file.name);
  const types = recipeTypes(source.plan, recipe, file.name);
  const locked = new Set(recipe.tensors.filter((t) => t.locked).map((t) => t.name));
  const dynamic: Record<string, GgmlTypeName> = {};
  const overrides: Record<string, GgmlTypeName> = {};
  for (const t of source.plan.tensors) {
    if (!t.quantizable) continue;
    (locked.has(t.ggufName) ? overrides : dynamic)[t.ggufName] = types.get(t.ggufName)!;
  }
  replaceRecipe(recipe.baseMix, dynamic, overrides);
  useStudio.setState((s) => ({ dynamic: { ...s.dynamic, targetBpw: null } }));
  const fingerprint = planFingerprint(source.plan);
  const notes = recipe.provenance?.modelFingerprint && recipe.provenance.modelFingerprint !== fingerprint
    ? [`${file.name} was made for ${recipe.provenance.model}; the open model's files differ (its tensors and shapes match, so it applies)`]
    : [];
  // Applied as written (an imatrix may be loaded next), but said now rather than at the export.
  const missing = recipeMissingImportance(useStudio.getState());
  if (missing.length > 0) notes.push(`It cannot be exported yet: ${missingImportanceMessage(missing)}`);
  return notes.length > 0 ? notes.join(' ') : null;
}
