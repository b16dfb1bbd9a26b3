// What the last export was made from, captured as it starts (the user may change the recipe or the
// importance matrix while it runs, or after): each file's mix, types and bits per weight, a split
// file's parts, the importance matrix's file and a dynamic recipe. Publishing reads it with the
// exported bytes.
import { recipeTensorTypeFile } from '../core/dynamic/tensor-type-file.ts';
import { ggufContents } from '../core/export/export-gguf.ts';
import { ggufSplitArgs, splitLikeGgufSplit } from '../core/gguf/split-gguf.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { sizeSummarizer } from './mix-choices.ts';
import type { PlannedExportFile } from './export-files.ts';
import { unquantizedTypeOf, type ExportedArtifacts, type ExportedGguf } from './publish-plan.ts';
import { calibratedImatrixFile } from './calibration-actions.ts';
import { pickedImatrixFile } from './imatrix-actions.ts';
import { currentRecipe } from './recipe-file-actions.ts';
import { useStudio, type StudioState } from './store.ts';
import { sourceGgufOf } from './source-gguf.ts';

/** One file of the export as the card describes it (its bytes come from the worker). */
export type ExportedLevel = Omit<ExportedGguf, 'blob' | 'parts' | 'recipe' | 'kld'> & { partNames: string[] | null; isRecipe: boolean };

export interface ExportInputs {
  /** What the page showed as the export's name (exportJob.fileName). */
  shown: string;
  /** The model the files were made from (model-identity.ts). */
  model: string | null;
  files: ExportedLevel[];
  made: Omit<ExportedArtifacts, 'ggufs'>;
  /** The recipe was a dynamic allocation (its JSON and tensor-type file are published). */
  dynamic: boolean;
  /** A dynamic recipe's files; undefined when none (or it could not be built). */
  recipe: Promise<ExportedGguf['recipe'] | undefined>;
}

let last: ExportInputs | null = null;

/** llama-gguf-split's options that cut the file as the export did. */
function splitArgsOf(plan: ModelPlan, f: PlannedExportFile): string[] | null {
  const { metadata, tensors } = ggufContents(plan, f.types);
  const shards = splitLikeGgufSplit(metadata, tensors, { maxBytes: f.split!.maxBytes });
  return ggufSplitArgs(shards.map((s) => tensors.slice(s.firstTensor, s.firstTensor + s.tensorCount)));
}

function importanceFile(imatrix: StudioState['imatrix']): ExportedArtifacts['imatrix'] | undefined {
  if (imatrix.status !== 'ready') return undefined;
  const calibrated = imatrix.origin === 'calibration' ? calibratedImatrixFile() : null;
  const picked = imatrix.origin === 'file' ? pickedImatrixFile() : null;
  const file = calibrated
    ? { name: calibrated.name, blob: new Blob([calibrated.bytes as Uint8Array<ArrayBuffer>]) }
    : picked ? { name: imatrix.name, blob: picked } : null;
  return file ? { ...file, datasets: imatrix.datasets, chunks: imatrix.chunkCount, fromCalibration: imatrix.origin === 'calibration' } : undefined;
}

/** Called by startExport once the sinks exist (no await before it: the picker needs the click). */
export function captureExportInputs(files: readonly PlannedExportFile[], shown: string): void {
  const { source, recipe, imatrix } = useStudio.getState();
  const plan = source.plan;
  const summarize = plan ? sizeSummarizer(plan) : null;
  const levels: ExportedLevel[] = files.map((f) => {
    const typeCounts: Record<string, number> = {};
    for (const type of f.types.values()) typeCounts[type] = (typeCounts[type] ?? 0) + 1;
    return {
      name: f.fileName, mix: f.mix, typeCounts, isRecipe: f.isRecipe,
      bitsPerWeight: f.isRecipe ? recipe.bitsPerWeight : summarize!(f.types).bitsPerWeight,
      partNames: f.split?.names ?? null,
      ...(f.split && plan ? { splitArgs: splitArgsOf(plan, f) } : {}),
    };
  });
  const recipeFiles = recipe.dynamic
    ? currentRecipe().then(
        (r) => ({ json: `${JSON.stringify(r, null, 2)}\n`, tensorTypes: recipeTensorTypeFile(r), baseMix: r.baseMix, predictedKld: r.predictedKld }),
        () => undefined,
      )
    : Promise.resolve(undefined);
  const imatrixFile = importanceFile(imatrix);
  const sourceGguf = plan ? sourceGgufOf(source, plan, files.map((f) => f.types)) : undefined;
  last = {
    shown,
    model: source.status === 'ready' ? source.identity : null,
    files: levels,
    made: {
      ...(plan ? { architecture: plan.architecture } : {}),
      ...(plan && !sourceGguf && unquantizedTypeOf(plan) ? { unquantizedType: unquantizedTypeOf(plan)! } : {}),
      ...(sourceGguf ? { sourceGguf } : {}),
      ...(imatrixFile ? { imatrix: imatrixFile } : {}),
    },
    dynamic: recipe.dynamic !== null,
    recipe: recipeFiles,
  };
}

export function lastExportInputs(): ExportInputs | null {
  return last;
}

/** Another model was opened: what was made from the old one is not offered for the new one. */
export function forgetExportInputs(): void {
  last = null;
}
