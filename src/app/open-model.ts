// Opening a model, from a folder or the Hub, in one place. An open is a switch: every job the
// previous model started (calibration, sensitivity and mixes measurements, evaluation, export,
// its download) is cancelled, everything the page knew of it is forgotten in one state change
// (model-switch-state.ts), and an open that a newer one superseded leaves no trace: its result,
// its error and its download events are dropped. Each open gets an AbortController; the newest
// open's is the only one not aborted.
import { CancelledError } from '../core/cancellation.ts';
import type { NamedBlob } from '../io/blob-files.ts';
import { findResumableCalibration, forgetCalibrationJob } from './calibration-actions.ts';
import { forgetDynamicWork } from './dynamic-actions.ts';
import { forgetEvaluationJob } from './evaluation-actions.ts';
import { forgetExportJob } from './export-actions.ts';
import { forgetCalibratedImatrix } from './imatrix-actions.ts';
import { setModelEntries } from './model-entries.ts';
import { modelOpened, modelOpenFailed, modelOpening, type OpenedModel, type OpeningModel } from './model-switch-state.ts';
import { resetRecipeTypes, setMix } from './recipe-actions.ts';
import { MIXES } from '../core/recipe/llama-mixes.ts';
import { MIX_NAMES } from '../core/recipe/mix-names.ts';
import { useStudio } from './store.ts';

export type { OpenedModel, OpeningModel };

/** One open, as its reader sees it: whether it is still the newest, and a signal aborted once it is not. */
export interface ModelOpen {
  readonly signal: AbortSignal;
  isCurrent(): boolean;
}

let newest: AbortController | null = null;

function supersedeOpens(): ModelOpen {
  newest?.abort(new CancelledError('A newer model was opened'));
  const controller = new AbortController();
  newest = controller;
  return { signal: controller.signal, isCurrent: () => newest === controller };
}

/** Every job of the open model stops; what settles later is dropped by each job's own guard. */
function cancelModelJobs(): void {
  forgetCalibrationJob();
  forgetDynamicWork();
  forgetEvaluationJob();
  forgetExportJob();
  forgetCalibratedImatrix();
}

/**
 * Opens a model: `read` reads its headers (in the export worker) and returns it. `entries`: a
 * folder's files, kept for the analysis workers (null for a Hub model, which they download).
 */
export async function openModel(
  opening: OpeningModel, entries: NamedBlob[] | null, read: (open: ModelOpen) => Promise<OpenedModel>,
): Promise<ModelOpen> {
  const open = supersedeOpens();
  cancelModelJobs();
  setModelEntries(entries);
  useStudio.setState((s) => modelOpening(s, opening));
  try {
    const opened = await read(open);
    if (!open.isCurrent()) return open;
    useStudio.setState(modelOpened(opening, opened));
    // A GGUF opens at the mix it was made with: every tensor in its stored type until the user picks another.
    const fileMix = MIX_NAMES.find((m) => MIXES[m].ftype === opened.plan.sourceFileType);
    if (fileMix) setMix(fileMix, { record: false });
    // An interrupted calibration of this model is offered as "Resume".
    void findResumableCalibration().catch(() => undefined);
  } catch (e) {
    if (!open.isCurrent()) return open;
    // A repo of several GGUFs: the worker's error carries their names (workers/error-details.ts).
    const models = (e as { ggufModels?: unknown }).ggufModels;
    useStudio.setState(modelOpenFailed(opening, (e as Error).message, Array.isArray(models) ? models.map(String) : undefined));
  }
  resetRecipeTypes();
  return open;
}

/** For failures before any reading starts (a dropped folder that cannot be read): no model is open. */
export function showSourceError(message: string): Promise<ModelOpen> {
  return openModel({ kind: 'folder', label: '', fileCount: 0 }, null, () => Promise.reject(new Error(message)));
}
