// The files one export writes, from one read of the model: the studio's recipe (the file the
// evaluation measures), then each other quant level the user asked for ("Also export"), each
// split as the "Split above" setting says. Names follow the model: name-Q4_K_M.gguf.
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { MIXES } from '../core/recipe/llama-mixes.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { studioTensorTypes } from './mix-choices.ts';
import { plannedSplit } from './export-split.ts';
import type { StudioState } from './store.ts';

export interface PlannedExportFile {
  fileName: string;
  mix: MixName;
  types: TensorTypes;
  /** llama_ftype written as general.file_type (the mix's). */
  fileType: number;
  /** The studio's recipe (the first file), not one of the extra mixes. */
  isRecipe: boolean;
  /** Its parts when it is split. */
  split: { maxBytes: number; names: string[] } | null;
}

/** The model's name as files are named ("owner/name" -> "name"). */
function fileStem(source: StudioState['source']): string {
  return (source.label.split('/').pop() || 'model').replace(/[^\w.-]+/g, '-');
}

export function exportFileName(state: Pick<StudioState, 'source' | 'recipe'>): string {
  const { recipe } = state;
  const stem = fileStem(state.source);
  if (recipe.dynamic) return `${stem}-dynamic-${recipe.bitsPerWeight.toFixed(2)}bpw.gguf`;
  const mixed = Object.keys(recipe.overrides).length > 0 ? '-mixed' : '';
  return `${stem}-${recipe.appliedMix ?? recipe.mix}${mixed}.gguf`;
}

/**
 * Every file of the next export. Throws, naming the mix, where an extra mix cannot be made (it
 * needs an importance matrix that is not loaded) or a split cannot cut a file.
 */
export function plannedExportFiles(state: Pick<StudioState, 'source' | 'recipe' | 'imatrix' | 'exportExtraMixes'>): PlannedExportFile[] {
  const { source, recipe } = state;
  const plan: ModelPlan | null = source.plan;
  if (!plan || !recipe.types || !recipe.appliedMix) return [];
  const withSplit = (f: Omit<PlannedExportFile, 'split'>): PlannedExportFile => {
    try {
      return { ...f, split: plannedSplit(f.fileName, plan, f.types) };
    } catch (e) {
      throw new Error(`${f.fileName}: cannot split the file: ${(e as Error).message}`);
    }
  };
  const first = withSplit({ fileName: exportFileName(state), mix: recipe.appliedMix, types: recipe.types, fileType: MIXES[recipe.appliedMix].ftype, isRecipe: true });
  const files = [first];
  const stem = fileStem(source);
  for (const mix of state.exportExtraMixes) {
    const fileName = `${stem}-${mix}.gguf`;
    if (files.some((f) => f.fileName === fileName)) continue; // the recipe is that very mix
    let types: TensorTypes;
    try {
      types = studioTensorTypes(plan, { mix, hasImatrix: state.imatrix.status === 'ready', edits: {} });
    } catch (e) {
      throw new Error(`${mix} (also exported): ${(e as Error).message}`);
    }
    files.push(withSplit({ fileName, mix, types, fileType: MIXES[mix].ftype, isRecipe: false }));
  }
  return files;
}

/** What the page calls the export: its one file, or the first and last of its files. */
export function shownExportName(files: readonly PlannedExportFile[]): string {
  const names = files.flatMap((f) => f.split?.names ?? [f.fileName]);
  return names.length === 1 ? names[0]! : `${names[0]} … ${names.at(-1)} (${names.length} files)`;
}
