// What a model switch does to the studio's state, as pure functions of it (tested without a page
// or a worker): what is forgotten when another model is being opened, and what the page shows
// once it is open or could not be. The jobs themselves are cancelled by open-model.ts.
import type { ModelPlan } from '../core/model/plan-types.ts';
import type { HubPin } from '../workers/protocol.ts';
import {
  initialCalibration, initialDownload, initialDynamic, initialEvaluation, initialExport, initialImatrix, initialSource,
  type StudioState,
} from './store.ts';
import { initialEditHistory } from './edit-history.ts';

/** What the page knows of a model being opened before its headers are read. */
export interface OpeningModel {
  kind: 'folder' | 'hub';
  /** The repo id as typed (a folder's name comes with the plan). */
  label: string;
  fileCount: number;
}

/** A model whose headers were read. */
export interface OpenedModel {
  label: string;
  plan: ModelPlan;
  pin: HubPin | null;
  fileCount: number;
  identity: string;
}

type Slices = Pick<StudioState, 'source' | 'recipe' | 'imatrix' | 'calibration' | 'evaluation' | 'dynamic' | 'exportJob' | 'download' | 'downloadPurpose' | 'editHistory'>;

/** The user's calibration settings and data stay; what was computed on the old model goes. */
export function calibrationForNewModel(c: StudioState['calibration']): StudioState['calibration'] {
  const { useDefaultSet, contextSize, maxChunks, userFiles, dataKey } = c;
  return { ...initialCalibration, useDefaultSet, contextSize, maxChunks, userFiles, dataKey };
}

/** The held-out text and settings stay; the result described another file or model. */
export function evaluationForNewFile(e: StudioState['evaluation']): StudioState['evaluation'] {
  const { text, textName, contextSize, maxChunks } = e;
  return { ...initialEvaluation, text, textName, contextSize, maxChunks };
}

/** The measurement settings stay; the table, the budget and the frontier were the old model's. */
export function dynamicForNewModel(d: StudioState['dynamic']): StudioState['dynamic'] {
  const { candidates, chunks, measure, device } = d;
  return { ...initialDynamic, candidates, chunks, measure, device };
}

/**
 * Another model is being opened: nothing of the previous one stays on the page. The user's
 * settings stay, and so does a picked importance matrix (the user's choice); one the studio
 * calibrated goes (it was measured on the old model). The edits go: they named the old tensors.
 */
export function modelOpening<S extends Slices>(s: S, opening: OpeningModel): Slices {
  return {
    source: { ...initialSource, kind: opening.kind, status: 'planning', label: opening.label, fileCount: opening.fileCount },
    recipe: { ...s.recipe, overrides: {}, dynamic: null },
    editHistory: initialEditHistory,
    imatrix: s.imatrix.origin === 'calibration' ? initialImatrix : s.imatrix,
    calibration: calibrationForNewModel(s.calibration),
    evaluation: evaluationForNewFile(s.evaluation),
    dynamic: dynamicForNewModel(s.dynamic),
    exportJob: initialExport,
    download: initialDownload,
    downloadPurpose: 'open',
  };
}

export function modelOpened(opening: OpeningModel, opened: OpenedModel): Pick<StudioState, 'source'> {
  return { source: { ...initialSource, kind: opening.kind, status: 'ready', ...opened } };
}

/** `ggufModels`: the source holds several GGUF models and none was named; the page offers each. */
export function modelOpenFailed(opening: OpeningModel, message: string, ggufModels?: readonly string[]): Pick<StudioState, 'source'> {
  return {
    source: {
      ...initialSource, kind: opening.kind, status: 'error', label: opening.label, fileCount: opening.fileCount, error: message,
      ...(ggufModels ? { ggufChoices: [...ggufModels] } : {}),
    },
  };
}

/** The open model's state, kept while another opens: restored as it was if that open fails. */
export type PreviousModel = Pick<StudioState, 'source' | 'recipe' | 'imatrix' | 'calibration' | 'evaluation' | 'dynamic' | 'exportJob' | 'editHistory'>;

/**
 * The model as it stands when another open starts. Its running jobs were just cancelled, so a
 * job in flight is kept as if it had never started (its settings stay, finished results stay).
 */
export function previousModelOf(s: PreviousModel): PreviousModel {
  const calibrating = s.calibration.phase === 'running' || s.calibration.phase === 'preparing';
  const measuring = s.dynamic.phase === 'measuring';
  return {
    source: s.source,
    recipe: s.recipe,
    editHistory: s.editHistory,
    imatrix: s.imatrix,
    calibration: calibrating ? calibrationForNewModel(s.calibration) : s.calibration,
    evaluation: s.evaluation.phase === 'running' ? evaluationForNewFile(s.evaluation) : s.evaluation,
    dynamic: {
      ...s.dynamic,
      phase: measuring ? (s.dynamic.table ? 'ready' : 'idle') : s.dynamic.phase,
      progress: measuring ? null : s.dynamic.progress,
      mixesPhase: s.dynamic.mixesPhase === 'measuring' ? 'idle' : s.dynamic.mixesPhase,
    },
    exportJob: s.exportJob.phase === 'running' ? initialExport : s.exportJob,
  };
}

/**
 * Opening `failed` did not work: the model before it is shown again, with the failure above it
 * (and, for a repo of several GGUFs, the models it holds to choose from).
 */
export function modelRestored(previous: PreviousModel, failed: OpeningModel, message: string, ggufModels?: readonly string[]): PreviousModel & Pick<StudioState, 'download' | 'downloadPurpose'> {
  return {
    ...previous,
    source: { ...previous.source, error: failed.label && !message.includes(failed.label) ? `${failed.label}: ${message}` : message, ggufChoices: ggufModels ? [...ggufModels] : null },
    download: initialDownload,
    downloadPurpose: 'open',
  };
}
