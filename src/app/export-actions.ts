// Export: the sink is made here on the main thread (the save picker needs the click's user
// gesture; a download needs the document), and the worker streams chunks into it.
import * as Comlink from 'comlink';
import type { ByteSink } from '../core/bytes-io.ts';
import { canPickSaveFile, downloadSink, pickFileSink } from '../io/browser-sinks.ts';
import { canPickDirectory, downloadShardSinks, pickDirectoryShardSinks, type ShardSinks } from '../io/browser-shard-sinks.ts';
import { plannedExportFiles, shownExportName, type PlannedExportFile } from './export-files.ts';
import { CancelledError, isCancellation } from '../core/cancellation.ts';
import type { DownloadEvent, ExportProgress, ExportRequest } from '../workers/protocol.ts';
import { exportWorker } from './export-client.ts';
import { refreshCacheSize } from './cache-actions.ts';
import { onDownloadEvent } from './download-progress.ts';
import { unsupportedMessage, unsupportedTypes } from './mix-choices.ts';
import { prefersDownload } from './save-bytes.ts';
import { resetEvaluation } from './evaluation-actions.ts';
import { measureCurrentRecipe } from './dynamic-actions.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { initialDownload, useStudio, type SaveDestination } from './store.ts';
import { recipeMissingImportance } from './importance-checks.ts';
import { currentTable } from './measurement-inputs.ts';
import { throttle } from './throttle.ts';
import { captureExportInputs } from './export-inputs.ts';
import { missingImportanceMessage } from '../core/recipe/imatrix-needs.ts';

function setJob(patch: Partial<ReturnType<typeof useStudio.getState>['exportJob']>): void {
  useStudio.setState((s) => ({ exportJob: { ...s.exportJob, ...patch } }));
}

/** Progress arrives per chunk; a new tensor, and the end, always show. */
function throttledProgress(): (p: ExportProgress) => void {
  let lastTensor = -1;
  return throttle((p) => {
    lastTensor = p.tensorsDone;
    setJob({ progress: p });
  }, 80, (p) => p.tensorsDone >= p.tensorCount || p.tensorsDone !== lastTensor);
}

/** The running export's sink, so a cancel can close the door even before the worker starts. */
let active: ExportJob | null = null;

interface ExportJob {
  sink: ByteSink;
  cancelled: boolean;
  /** Another model was opened: the page no longer shows this export, whatever it ends with. */
  forgotten: boolean;
}

/** Call straight from the Export button's click handler (no await before it). */
export async function startExport(): Promise<void> {
  const state = useStudio.getState();
  const { source, recipe, exportJob, imatrix, supportedTypes } = state;
  if (!source.plan || !recipe.types || !recipe.appliedMix || recipe.error || exportJob.phase === 'running') return;
  // A tensor whose type needs importance weights that are not loaded would fail only when the
  // export reaches it, minutes in: refused now, naming it.
  const needImportance = recipeMissingImportance(state);
  if (needImportance.length > 0) {
    setJob({ phase: 'blocked', fileName: '', progress: null, bytesWritten: 0, error: missingImportanceMessage(needImportance) });
    return;
  }
  // Refuse before the save dialog: a file that cannot be finished must not be started.
  const missing = supportedTypes ? unsupportedTypes(recipe.types, new Set(supportedTypes)) : new Map();
  if (missing.size > 0) {
    setJob({ phase: 'blocked', fileName: '', progress: null, bytesWritten: 0, error: unsupportedMessage(missing) });
    return;
  }
  let files: PlannedExportFile[];
  try {
    files = plannedExportFiles(state);
  } catch (e) {
    setJob({ phase: 'blocked', fileName: '', progress: null, bytesWritten: 0, error: (e as Error).message });
    return;
  }
  const extraMissing = files.slice(1).flatMap((f) => [...(supportedTypes ? unsupportedTypes(f.types, new Set(supportedTypes)) : new Map()).keys()].map((t) => `${f.mix}: ${t}`));
  if (extraMissing.length > 0) {
    setJob({ phase: 'blocked', fileName: '', progress: null, bytesWritten: 0, error: `This browser's quantizers cannot write the types of the other quant levels asked for (${extraMissing.join(', ')}): untick them under "Also export".` });
    return;
  }
  const request: ExportRequest = {
    files: files.map((f) => ({
      types: f.types, fileType: f.fileType, fileName: f.fileName, mix: f.mix,
      ...(f.split ? { split: { maxBytes: f.split.maxBytes, files: f.split.names.length } } : {}),
    })),
    useImatrix: imatrix.status === 'ready',
  };
  // Every file the user gets, in the order the worker numbers them.
  const names = files.flatMap((f) => f.split?.names ?? [f.fileName]);
  let sinks: ShardSinks | null;
  let savedTo: SaveDestination;
  try {
    if (names.length > 1) {
      savedTo = !prefersDownload() && canPickDirectory() ? 'picked-folder' : 'download';
      sinks = savedTo === 'picked-folder' ? await pickDirectoryShardSinks(names) : downloadShardSinks(names);
    } else {
      savedTo = !prefersDownload() && canPickSaveFile() ? 'picked-file' : 'download';
      const sink = savedTo === 'picked-file' ? await pickFileSink(names[0]!) : downloadSink(names[0]!);
      sinks = sink && oneFileSinks(sink);
    }
  } catch (e) {
    setJob({ phase: 'error', error: (e as Error).message });
    return;
  }
  if (!sinks) return; // the user closed the save dialog
  const shown = shownExportName(files);
  captureExportInputs(files, shown);
  setJob({ phase: 'running', fileName: shown, recipeFile: files[0]!.fileName, startedAt: performance.now(), firstFile: names[0]!, savedTo, progress: null, bytesWritten: 0, gpuPeakBytes: null, error: null });
  // An evaluation describes the file it measured: a new export replaces that file.
  resetEvaluation();
  // This export's bytes, counted from zero (the worker restarts its count too).
  if (source.kind === 'hub') useStudio.setState({ download: initialDownload, downloadPurpose: 'export' });
  const sink = fileSetSink(sinks);
  const job: ExportJob = { sink, cancelled: false, forgotten: false };
  active = job;
  try {
    const { bytesWritten, gpuPeakBytes } = await exportWorker().exportModel(
      request,
      // The files are opened as the worker reaches them.
      Comlink.proxy({ file: async (i: number) => Comlink.proxy(await sinks.shard(i)) }),
      Comlink.proxy(throttledProgress()),
      source.kind === 'hub' ? Comlink.proxy((e: DownloadEvent) => { if (!job.forgotten) onDownloadEvent(e); }) : undefined,
    );
    if (job.forgotten) return;
    setJob({ phase: 'done', bytesWritten, gpuPeakBytes });
    // With measurements at hand, the file's measured KL goes beside its prediction.
    if (currentTable(useStudio.getState())) void measureCurrentRecipe('exported file');
  } catch (e) {
    // The exporter aborts the sink itself; this covers failures before it started.
    await sink.abort(e).catch(() => undefined);
    if (job.forgotten) return;
    if (job.cancelled || isCancellation(e)) setJob({ phase: 'cancelled', error: null });
    else setJob({ phase: 'error', error: (e as Error).message });
  } finally {
    if (active === job) active = null;
    if (source.kind === 'hub') void refreshCacheSize();
  }
}

/** One file as a set of one (the save picker's sink, opened before the export starts). */
function oneFileSinks(sink: ByteSink): ShardSinks {
  return {
    shard: (i) => (i === 0 ? Promise.resolve(sink) : Promise.reject(new Error(`export: no file ${i + 1} of 1`))),
    abort: (reason) => sink.abort(reason),
  };
}

/** The files as one sink for cancelling: abort() removes every file opened so far. */
function fileSetSink(sinks: ShardSinks): ByteSink {
  const unused = () => Promise.reject(new Error('an export writes through its files, not this sink'));
  return { write: unused, close: unused, abort: (reason) => sinks.abort(reason) };
}

export function cancelExport(): void {
  if (!active || active.cancelled) return;
  active.cancelled = true;
  // Aborting the sink first makes the worker's next write fail even if its own abort signal
  // arrives before the export has begun there; the signal stops a long tensor sooner.
  void active.sink.abort(new CancelledError('The export was cancelled')).catch(() => undefined);
  void exportWorker().cancel();
}

/** Another model is being opened: the export of the old one stops and never reports to the page. */
export function forgetExportJob(): void {
  if (!active) return;
  active.forgotten = true;
  cancelExport();
}

/** Ticks or unticks a quant level the next export also writes ("Also export"). */
export function toggleExportExtraMix(mix: MixName, on: boolean): void {
  useStudio.setState((s) => {
    const rest = s.exportExtraMixes.filter((m) => m !== mix);
    return { exportExtraMixes: on ? [...rest, mix] : rest };
  });
}
