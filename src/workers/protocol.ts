// What the page and the workers say to each other, as types only: each worker's API (what
// Comlink.wrap gives the page), the requests it takes and the events and results it sends back.
// The page imports the workers through this module alone, so it never pulls a worker's code
// (or its GPU code) into the page bundle, and a change of the protocol shows in one file.
export type { CalibrateWorkerApi, CalibrationDevice } from './calibrate.worker.ts';
export type {
  DynamicWorkerApi, MeasureRequest, MeasureResult, RecipeKld, RecipesRequest, SensitivityProgress,
} from './dynamic.worker.ts';
export type {
  CalibrationCheckpoint, CalibrationDataRequest, CalibrationProgress, DomainEvaluation, EvaluateWorkerApi, EvaluationDomainText, EvaluationProgress, EvaluationResult, ImatrixStats,
} from './evaluate.worker.ts';
export type { BackendPreference, ExportProgress, ExportRequest, ExportWorkerApi, ImatrixInfo, QuantBackend } from './export.worker.ts';
export type { DownloadEvent, HubOpenRequest, HubPin } from './hub-session.ts';
export type { WorkerModelSource } from './model-source.ts';
export type { PublishWorkerApi, PublishWorkerRequest, PushProgress, PushResult, PushRetry } from './publish.worker.ts';
