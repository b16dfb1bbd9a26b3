// What the last export was made from, captured as it starts (the user may change the recipe or the
// importance matrix while it runs, or after): its mix, types, bits per weight, the importance
// matrix's file and a dynamic recipe. Publishing reads it with the exported bytes.
import { recipeTensorTypeFile } from '../core/dynamic/tensor-type-file.ts';
import { unquantizedTypeOf, type ExportedArtifacts } from './publish-plan.ts';
import { calibratedImatrixFile } from './calibration-actions.ts';
import { pickedImatrixFile } from './imatrix-actions.ts';
import { currentRecipe } from './recipe-file-actions.ts';
import { useStudio } from './store.ts';

export interface ExportInputs {
  fileName: string;
  /** The model the file was made from (model-identity.ts). */
  model: string | null;
  made: Omit<ExportedArtifacts, 'gguf' | 'kld' | 'recipe'>;
  /** The recipe was a dynamic allocation (its JSON and tensor-type file are published). */
  dynamic: boolean;
  /** A dynamic recipe's files; undefined when none (or it could not be built). */
  recipe: Promise<ExportedArtifacts['recipe'] | undefined>;
}

let last: ExportInputs | null = null;

/** Called by startExport once the sink exists (no await before it: the picker needs the click). */
export function captureExportInputs(fileName: string): void {
  const { source, recipe, imatrix } = useStudio.getState();
  const typeCounts: Record<string, number> = {};
  for (const type of recipe.types?.values() ?? []) typeCounts[type] = (typeCounts[type] ?? 0) + 1;
  let imatrixFile: { name: string; blob: Blob } | null = null;
  if (imatrix.status === 'ready') {
    const calibrated = imatrix.origin === 'calibration' ? calibratedImatrixFile() : null;
    const picked = imatrix.origin === 'file' ? pickedImatrixFile() : null;
    if (calibrated) imatrixFile = { name: calibrated.name, blob: new Blob([calibrated.bytes as Uint8Array<ArrayBuffer>]) };
    else if (picked) imatrixFile = { name: imatrix.name, blob: picked };
  }
  const recipeFiles = recipe.dynamic
    ? currentRecipe().then(
        (r) => ({ json: `${JSON.stringify(r, null, 2)}\n`, tensorTypes: recipeTensorTypeFile(r), baseMix: r.baseMix, predictedKld: r.predictedKld }),
        () => undefined,
      )
    : Promise.resolve(undefined);
  last = {
    fileName,
    model: source.status === 'ready' ? source.identity : null,
    made: {
      mix: recipe.appliedMix ?? recipe.mix,
      typeCounts,
      bitsPerWeight: recipe.bitsPerWeight,
      ...(source.plan ? { architecture: source.plan.architecture } : {}),
      ...(source.plan && unquantizedTypeOf(source.plan) ? { unquantizedType: unquantizedTypeOf(source.plan)! } : {}),
      ...(imatrixFile
        ? { imatrix: { ...imatrixFile, datasets: imatrix.datasets, chunks: imatrix.chunkCount, fromCalibration: imatrix.origin === 'calibration' } }
        : {}),
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
