// Opening a model, from a folder or the Hub, in one place. An open is a switch: every job the
// previous model started (calibration, sensitivity and mixes measurements, evaluation, export,
// its download) is cancelled, everything the page knew of it is forgotten in one state change
// (model-switch-state.ts), and an open that a newer one superseded leaves no trace: its result,
// its error and its download events are dropped. Each open gets an AbortController; the newest
// open's is the only one not aborted. An open that fails gives the page back the model that was
// open before it, with its results (its running jobs stay cancelled): the user loses nothing by
// trying a wrong repo id.
import { CancelledError } from '../core/cancellation.ts';
import type { NamedBlob } from '../io/blob-files.ts';
import { findResumableCalibration, forgetCalibratedBytes, forgetCalibrationJob } from './calibration-actions.ts';
import { forgetDynamicWork } from './dynamic-actions.ts';
import { findKeptResults } from './kept-measurement.ts';
import { forgetEvaluationJob } from './evaluation-actions.ts';
import { forgetExportJob } from './export-actions.ts';
import { forgetCalibratedImatrix } from './imatrix-actions.ts';
import { modelEntries, setModelEntries } from './model-entries.ts';
import { previousModelOf, modelOpened, modelOpenFailed, modelOpening, modelRestored, type PreviousModel, type OpenedModel, type OpeningModel } from './model-switch-state.ts';
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
/** The model open before the opens in flight: restored if the newest of them fails. */
let previous: { model: PreviousModel; entries: NamedBlob[] | null } | null = null;

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
}

/** The new model is open: what was kept of the previous one goes (its calibrated imatrix too). */
function dropPreviousModel(): void {
  if (previous) forgetCalibratedImatrix(previous.model.imatrix);
  forgetCalibratedBytes();
  previous = null;
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
  // Kept once per run of opens: a second open while the first reads keeps the model before both.
  const before = useStudio.getState();
  if (before.source.status === 'ready') previous = { model: previousModelOf(before), entries: modelEntries() };
  setModelEntries(entries);
  useStudio.setState((s) => modelOpening(s, opening));
  try {
    const opened = await read(open);
    if (!open.isCurrent()) return open;
    dropPreviousModel();
    useStudio.setState(modelOpened(opening, opened));
    // A GGUF opens at the mix it was made with: every tensor in its stored type until the user picks another.
    const fileMix = MIX_NAMES.find((m) => MIXES[m].ftype === opened.plan.sourceFileType);
    if (fileMix) setMix(fileMix, { record: false });
    // An interrupted calibration of this model is offered as "Resume".
    void findResumableCalibration().catch(() => undefined);
    // A finished calibration or measurement of this model kept from an earlier visit is offered.
    void findKeptResults().catch(() => undefined);
  } catch (e) {
    if (!open.isCurrent()) return open;
    // A repo of several GGUFs: the worker's error carries their names (workers/error-details.ts).
    const models = (e as { ggufModels?: unknown }).ggufModels;
    const choices = Array.isArray(models) ? models.map(String) : undefined;
    if (previous) {
      // The worker still holds the previous model (it swaps only after a successful read).
      setModelEntries(previous.entries);
      useStudio.setState(modelRestored(previous.model, opening, (e as Error).message, choices));
      previous = null;
      return open;
    }
    dropPreviousModel();
    useStudio.setState(modelOpenFailed(opening, (e as Error).message, choices));
  }
  resetRecipeTypes();
  return open;
}

/** For failures before any reading starts (a dropped folder that cannot be read): no model is open. */
export function showSourceError(message: string): Promise<ModelOpen> {
  return openModel({ kind: 'folder', label: '', fileCount: 0 }, null, () => Promise.reject(new Error(message)));
}
