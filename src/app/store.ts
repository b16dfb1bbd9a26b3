// The studio's state: one zustand store assembled from slices. Components read it through
// narrow selectors; every change goes through the module-level actions in *-actions.ts.
import { create } from 'zustand';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import type { MeasureMode, SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { FileProgress } from '../io/hub/index.ts';
import { DEFAULT_ENDPOINT, DEFAULT_MODEL_ID, rememberedCachePreference } from './hub-settings.ts';
import type {
  CalibrationProgress, EvaluationDomainText, EvaluationProgress, EvaluationResult, ExportProgress, HubPin, QuantBackend,
} from '../workers/protocol.ts';
import { EVAL_SAMPLE_NAME, EVAL_SAMPLE_TEXT } from './eval-sample.ts';
import { initialEditHistory, type EditHistory } from './edit-history.ts';

export interface SourceSlice {
  source: {
    status: 'empty' | 'planning' | 'ready' | 'error';
    kind: 'folder' | 'hub';
    /** The folder's name or the repo id, used for the output file name. */
    label: string;
    /** A Hub model: the commit every request of this session is pinned to. */
    pin: HubPin | null;
    /** The model's one name (model-identity.ts), set when it is ready; null before. */
    identity: string | null;
    fileCount: number;
    plan: ModelPlan | null;
    error: string | null;
    /** The open failed because the folder or repo holds several GGUF models: their names, to pick one. */
    ggufChoices: string[] | null;
  };
}

export interface RecipeSlice {
  recipe: {
    /** The llama-quantize mix the user picked (a dynamic recipe's base mix: its file type). */
    mix: MixName;
    /**
     * A dynamic allocation's type for every quantizable tensor, in place of the mix's; null while
     * a mix is applied. The user's heatmap edits (locks) still win over it.
     */
    dynamic: Readonly<Record<string, GgmlTypeName>> | null;
    /** Per-tensor choices made in the heatmap, by GGUF name. */
    overrides: Readonly<Record<string, GgmlTypeName>>;
    /**
     * What will be written (fallbacks applied); null until a plan is open. When the picked mix
     * cannot be applied (it needs an imatrix) these stay those of the last recipe that could.
     */
    types: TensorTypes | null;
    /** The mix `types` came from; differs from `mix` only while `error` is set. */
    appliedMix: MixName | null;
    totalBytes: number;
    bitsPerWeight: number;
    error: string | null;
  };
}

export interface ImatrixSlice {
  imatrix: {
    status: 'empty' | 'loading' | 'ready' | 'error';
    /** The file's name as picked. */
    name: string;
    /** GGUF tensor names it has weights for (the weights themselves stay in the worker). */
    entryNames: readonly string[];
    datasets: readonly string[];
    chunkCount: number;
    /** Mean imatrix value per entry (the heatmap's activation-energy layer). */
    meanEnergy: Readonly<Record<string, number>>;
    /** A picked file, or the studio's own calibration (which can be saved as a file). */
    origin: 'file' | 'calibration';
    /** sha256 of the entries (names and values): results are keyed by it, never by the name. */
    contentHash: string | null;
    error: string | null;
  };
}

/** An interrupted calibration found in OPFS for the open model. */
export interface ResumableCalibration {
  key: string;
  datasets: readonly string[];
  contextSize: number;
  chunks: number;
  /** Where it stopped: the pass and the layers finished in it. */
  pass: number;
  passes: number;
  layer: number;
  layers: number;
  savedAt: number;
}

/** A finished calibration kept in OPFS for the open model (kept-calibration.ts), offered again. */
export interface KeptCalibration {
  key: string;
  savedAt: number;
  /** The imatrix file's name and what it was computed on. */
  name: string;
  datasets: readonly string[];
  contextSize: number;
  maxChunks: number;
  chunks: number;
  chatTemplate: boolean;
  /** The imatrix's content hash: a kept measurement names the matrix it was measured with by it. */
  contentHash: string | null;
}

export interface CalibrationSlice {
  calibration: {
    phase: 'idle' | 'preparing' | 'running' | 'done' | 'cancelled' | 'error';
    useDefaultSet: boolean;
    /** Names of the user's own .txt / .jsonl files (the Files stay in calibration-actions). */
    userFiles: readonly string[];
    contextSize: number;
    maxChunks: number;
    progress: CalibrationProgress | null;
    /** What the running or last calibration was computed on. */
    datasets: readonly string[];
    chunks: number;
    chatTemplate: boolean;
    warnings: readonly string[];
    resumable: ResumableCalibration | null;
    /** The newest finished calibration of the open model kept in OPFS; null: none (or no OPFS). */
    kept: KeptCalibration | null;
    /** The last checkpoint written to OPFS during this run. */
    saved: { pass: number; layer: number } | null;
    /**
     * sha256 naming the calibration data's content (default set, the user's files), for results
     * computed on it; null while it is being read after a change.
     */
    dataKey: string | null;
    error: string | null;
  };
}

export interface EvaluationSlice {
  evaluation: {
    phase: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
    /** Held-out text: the built-in sample or the user's. */
    text: string;
    textName: string;
    /** More held-out texts, each measured as its own domain (code, chat, another language…). */
    otherDomains: EvaluationDomainText[];
    /** Prompts, one per line, for the greedy-continuation agreement (none: not measured), and the tokens generated per prompt. */
    greedyPrompts: string;
    greedyTokens: number;
    contextSize: number;
    maxChunks: number;
    progress: EvaluationProgress | null;
    result: EvaluationResult | null;
    /** The model the result compared the file with (modelIdentity); shown only while it is open. */
    model: string | null;
    /** The evaluated GGUF's name and size. */
    fileName: string;
    fileBytes: number;
    /** Where the forwards run, as the page says it ("on the CPU: this GPU … is a software emulation"). */
    device: string | null;
    error: string | null;
  };
}

/** What a sensitivity measurement (and every KL measured with it) was computed from: measurement-inputs.ts. */
export interface MeasurementInputs {
  /** The model's identity (model-identity.ts). */
  model: string;
  /** The importance matrix's content hash (sha256 of its values); null: measured without one. */
  imatrix: string | null;
  /** Its name, for the label only: two files of one name are two matrices. */
  imatrixName: string | null;
  /** The calibration data's content hash and how the stream is cut (the held-out chunks are its tail). */
  calibration: string;
  candidates: readonly GgmlTypeName[];
  measure: MeasureMode;
  chunks: number;
}

export type HeatmapColor = 'type' | 'energy' | 'sensitivity' | 'error' | 'kld';

export interface ViewSlice {
  /** What the heatmap's cells are coloured by. */
  heatmapColor: HeatmapColor;
}

export type CandidateSet = 'default' | 'every-size' | 'arm';

/** A whole recipe's KL measured on the sensitivity pass's held-out positions. */
export interface MeasuredPoint {
  fileBytes: number;
  bitsPerWeight: number;
  predictedKld: number;
  measuredKld: number | null;
  sameTop: number | null;
}

/** The allocation at the slider's size measured whole beside those at llama.cpp's smaller mix sizes (core/dynamic/verified-allocation.ts). */
export type WholeCheck =
  | { phase: 'measuring'; targetBytes: number }
  | {
    phase: 'done'; targetBytes: number; measuredCount: number;
    /** This size's own allocation's measured KL, and the best one that fits (itself, or a smaller rung's, now the recipe). */
    ownKld: number; chosenKld: number; chosenBytes: number;
    /** The mix whose size gave the chosen allocation; null when it is the target's own. */
    chosenRung: string | null;
    /** The mix whose own types measured best (with the user's locks), now the recipe; null for an allocation. */
    chosenMix: string | null;
    /** The local search that followed, when asked for: recipes it measured, changes it kept, the KL it started from (the check's best). */
    refined: { measuredCount: number; kept: number; startKld: number } | null;
  };

/** A finished sensitivity measurement kept in OPFS for the open model (kept-measurement.ts). */
export interface KeptMeasurement {
  key: string;
  savedAt: number;
  inputs: MeasurementInputs;
  candidates: CandidateSet;
  /** The calibration data and settings it was measured on, restored when it is used. */
  useDefaultSet: boolean;
  userFiles: readonly string[];
  contextSize: number;
  maxChunks: number;
  tensors: number;
  positions: number;
}

export interface DynamicSlice {
  dynamic: {
    phase: 'idle' | 'measuring' | 'ready' | 'cancelled' | 'error';
    candidates: CandidateSet;
    /** Held-out chunks (of the calibration context size) the KL is measured on. */
    chunks: number;
    measure: MeasureMode;
    /** Where the KL is measured: 'auto' is the GPU on a real adapter, CPU workers otherwise. */
    device: 'auto' | 'cpu' | 'gpu';
    progress: { stage: 'error' | 'base' | 'kld' | 'mixes'; done: number; total: number; tensor?: string; etaSeconds: number | null } | null;
    table: SensitivityTable | null;
    /**
     * What `table` (and the mixes' and the export's measured KLs, made with it) was measured with;
     * the page shows them only while these are the studio's current inputs.
     */
    inputs: MeasurementInputs | null;
    /** The held-out token sequences the table was measured on (whole recipes are measured on them too). */
    sequences: number[][] | null;
    /** The budget slider, in bits per weight; null until the first allocation. */
    targetBpw: number | null;
    /** The slider's range for this model, table and locks. */
    range: { min: number; max: number } | null;
    /** llama.cpp's mixes on the frontier: size and predicted KL, measured KL once measured. */
    mixes: Readonly<Partial<Record<MixName, MeasuredPoint>>>;
    mixesPhase: 'idle' | 'measuring' | 'done' | 'error';
    /** The recipe as exported: its prediction, and its measured KL once measured. */
    exported: (MeasuredPoint & { label: string }) | null;
    /** The slider's recipe checked whole against the allocations at the ladder's smaller sizes; null until asked, or after the slider moves. */
    wholeCheck: WholeCheck | null;
    /** Recipes the check's local search measures after it (refineAllocation); 0: none. */
    refine: number;
    /** The newest measurement of the open model kept in OPFS; null: none (or no OPFS). */
    kept: KeptMeasurement | null;
    warnings: readonly string[];
    error: string | null;
  };
}

export interface EditHistorySlice {
  /** Undo and redo of the recipe's edits (edit-history.ts); a model switch clears it. */
  editHistory: EditHistory;
}

export type SaveDestination = 'download' | 'picked-file' | 'picked-folder';

export interface ExportSlice {
  /** Split files above `gigabytes` (10^9 bytes) as llama-gguf-split would, when enabled. */
  exportSplit: { enabled: boolean; gigabytes: number };
  /** Other quant levels each export also writes, from the same read of the model ("Also export"). */
  exportExtraMixes: MixName[];
  exportJob: {
    /** `blocked`: the recipe holds types no quantizer here writes; nothing was started. */
    phase: 'idle' | 'running' | 'done' | 'cancelled' | 'error' | 'blocked';
    /** What the page calls the export: its file, or the first and last of its files. */
    fileName: string;
    /** The recipe's file (unsplit name): the one the evaluation measures. */
    recipeFile: string;
    /** When it started (performance.now()), for the time left. */
    startedAt: number;
    /** The first file written (a split's first part): what llama.cpp and the others are pointed at. */
    firstFile: string;
    /** Where the files went: the browser's downloads, or a file or folder the user picked. */
    savedTo: SaveDestination | null;
    progress: ExportProgress | null;
    bytesWritten: number;
    /** The most GPU buffer memory the export held at once (null when it ran on the CPU). */
    gpuPeakBytes: number | null;
    error: string | null;
  };
}

/** A Hub model's bytes: from the network (per file and overall) or from the OPFS cache. */
export interface DownloadSlice {
  download: {
    files: Readonly<Record<string, FileProgress>>;
    overall: { bytes: number; totalBytes: number; bytesPerSecond: number; etaSeconds: number | null } | null;
    /** Bytes read from the OPFS cache instead of the network. */
    cacheBytes: number;
    /** The last retry or cache problem, for the user to see why it is slow. */
    notice: string | null;
  };
  /**
   * What `download` counts: an open reads only the headers (the weights are fetched when a job
   * needs them); an export reads the whole model, counted from zero at its start.
   */
  downloadPurpose: 'open' | 'export';
}

export interface CacheSlice {
  cache: {
    /** Hub models are read from and written to OPFS. */
    enabled: boolean;
    /** Bytes held; null without OPFS (or before the worker answered). */
    bytes: number | null;
    /** The worker has answered whether there is OPFS (until then the toggle works as remembered). */
    known: boolean;
    clearing: boolean;
    error: string | null;
  };
}

/** The Hub source form (kept here so it survives the panel folding away). */
export interface HubFormSlice {
  hubForm: {
    /** "owner/name", optionally "@revision". */
    modelId: string;
    /** Wins over an "@revision" in the model id; empty: main. */
    revision: string;
    /** In memory; in localStorage too only while `rememberToken`. */
    token: string;
    rememberToken: boolean;
    endpoint: string;
  };
}

export interface BackendSlice {
  backend: QuantBackend | null;
  /** Types the worker's quantizers (GPU or CPU fallback) can write; null until asked. */
  supportedTypes: readonly GgmlTypeName[] | null;
}

export type StudioState = SourceSlice & RecipeSlice & ImatrixSlice & ExportSlice & DownloadSlice & CacheSlice & HubFormSlice & BackendSlice
  & CalibrationSlice & EvaluationSlice & ViewSlice & DynamicSlice & EditHistorySlice;

export const initialSource: SourceSlice['source'] = {
  status: 'empty', kind: 'folder', label: '', pin: null, identity: null, fileCount: 0, plan: null, error: null, ggufChoices: null,
};
export const initialDownload: DownloadSlice['download'] = { files: {}, overall: null, cacheBytes: 0, notice: null };
// Q4_K_M is the recommended starting point (llama.cpp's and the Hub's usual default): a quarter of
// F16's size at small loss, and its rules need no importance matrix. A GGUF opens at its own file type.
export const initialRecipe: RecipeSlice['recipe'] = {
  mix: 'Q4_K_M', dynamic: null, overrides: {}, types: null, appliedMix: null, totalBytes: 0, bitsPerWeight: 0, error: null,
};
export const initialImatrix: ImatrixSlice['imatrix'] = {
  status: 'empty', name: '', entryNames: [], datasets: [], chunkCount: 0, meanEnergy: {}, origin: 'file', contentHash: null, error: null,
};
export const initialCalibration: CalibrationSlice['calibration'] = {
  phase: 'idle', useDefaultSet: true, userFiles: [], contextSize: 512, maxChunks: 32, progress: null,
  datasets: [], chunks: 0, chatTemplate: false, warnings: [], resumable: null, kept: null, saved: null, dataKey: null, error: null,
};
export const initialEvaluation: EvaluationSlice['evaluation'] = {
  phase: 'idle', text: EVAL_SAMPLE_TEXT, textName: EVAL_SAMPLE_NAME, otherDomains: [], greedyPrompts: '', greedyTokens: 32, contextSize: 512, maxChunks: 8,
  progress: null, result: null, model: null, fileName: '', fileBytes: 0, device: null, error: null,
};
export const initialDynamic: DynamicSlice['dynamic'] = {
  phase: 'idle', candidates: 'default', chunks: 4, measure: 'layer', device: 'auto', progress: null, table: null, inputs: null, sequences: null,
  targetBpw: null, range: null, mixes: {}, mixesPhase: 'idle', exported: null, wholeCheck: null, refine: 0, kept: null, warnings: [], error: null,
};
export const initialExport: ExportSlice['exportJob'] = {
  phase: 'idle', fileName: '', recipeFile: '', startedAt: 0, firstFile: '', savedTo: null, progress: null, bytesWritten: 0, gpuPeakBytes: null, error: null,
};

export const useStudio = create<StudioState>()(() => ({
  source: initialSource,
  recipe: initialRecipe,
  imatrix: initialImatrix,
  exportJob: initialExport,
  editHistory: initialEditHistory,
  // The Hub takes files up to 50 GB: 45 leaves room.
  exportSplit: { enabled: false, gigabytes: 45 },
  exportExtraMixes: [],
  download: initialDownload,
  downloadPurpose: 'open',
  cache: { enabled: rememberedCachePreference(), bytes: null, known: false, clearing: false, error: null },
  hubForm: { modelId: DEFAULT_MODEL_ID, revision: '', token: '', rememberToken: false, endpoint: DEFAULT_ENDPOINT },
  backend: null,
  supportedTypes: null,
  calibration: initialCalibration,
  evaluation: initialEvaluation,
  heatmapColor: 'type',
  dynamic: initialDynamic,
}));
