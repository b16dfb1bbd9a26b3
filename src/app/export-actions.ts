// Export: the sink is made here on the main thread (the save picker needs the click's user
// gesture; a download needs the document), and the worker streams chunks into it.
import * as Comlink from 'comlink';
import type { ByteSink } from '../core/bytes-io.ts';
import { MIXES } from '../core/recipe/llama-mixes.ts';
import { canPickSaveFile, downloadSink, pickFileSink } from '../io/browser-sinks.ts';
import { canPickDirectory, downloadShardSinks, pickDirectoryShardSinks, type ShardSinks } from '../io/browser-shard-sinks.ts';
import { plannedSplit } from './export-split.ts';
import { CancelledError, isCancellation } from '../core/cancellation.ts';
import type { DownloadEvent, ExportProgress } from '../workers/protocol.ts';
import { exportWorker } from './export-client.ts';
import { refreshCacheSize } from './cache-actions.ts';
import { onDownloadEvent } from './download-progress.ts';
import { unsupportedMessage, unsupportedTypes } from './mix-choices.ts';
import { prefersDownload } from './save-bytes.ts';
import { resetEvaluation } from './evaluation-actions.ts';
import { measureCurrentRecipe } from './dynamic-actions.ts';
import { useStudio } from './store.ts';
import { recipeMissingImportance } from './importance-checks.ts';
import { currentTable } from './measurement-inputs.ts';
import { throttle } from './throttle.ts';
import { captureExportInputs } from './export-inputs.ts';
import { missingImportanceMessage } from '../core/recipe/imatrix-needs.ts';

export function exportFileName(): string {
  const { source, recipe } = useStudio.getState();
  // A repo id names the file after the model, not its owner ("owner/name" -> "name").
  const stem = (source.label.split('/').pop() || 'model').replace(/[^\w.-]+/g, '-');
  if (recipe.dynamic) return `${stem}-dynamic-${recipe.bitsPerWeight.toFixed(2)}bpw.gguf`;
  const mixed = Object.keys(recipe.overrides).length > 0 ? '-mixed' : '';
  return `${stem}-${recipe.appliedMix ?? recipe.mix}${mixed}.gguf`;
}

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
  const fileName = exportFileName();
  let split: ReturnType<typeof plannedSplit>;
  try {
    split = plannedSplit(fileName);
  } catch (e) {
    setJob({ phase: 'blocked', fileName: '', progress: null, bytesWritten: 0, error: `Cannot split the file: ${(e as Error).message}` });
    return;
  }
  const request = {
    types: recipe.types,
    fileType: MIXES[recipe.appliedMix].ftype,
    useImatrix: imatrix.status === 'ready',
    fileName,
    mix: recipe.appliedMix,
    ...(split ? { split: { maxBytes: split.maxBytes, files: split.names.length } } : {}),
  };
  let sink: ByteSink | null;
  let shards: ShardSinks | null = null;
  try {
    if (split) {
      shards = !prefersDownload() && canPickDirectory() ? await pickDirectoryShardSinks(split.names) : downloadShardSinks(split.names);
      sink = shards && shardSetSink(shards);
    } else {
      sink = !prefersDownload() && canPickSaveFile() ? await pickFileSink(fileName) : downloadSink(fileName);
    }
  } catch (e) {
    setJob({ phase: 'error', error: (e as Error).message });
    return;
  }
  if (!sink) return; // the user closed the save dialog
  captureExportInputs(fileName);
  const shown = split ? `${split.names[0]} … ${split.names.at(-1)} (${split.names.length} files)` : fileName;
  setJob({ phase: 'running', fileName: shown, progress: null, bytesWritten: 0, gpuPeakBytes: null, error: null });
  // An evaluation describes the file it measured: a new export replaces that file.
  resetEvaluation();
  const job: ExportJob = { sink, cancelled: false, forgotten: false };
  active = job;
  try {
    const { bytesWritten, gpuPeakBytes } = await exportWorker().exportModel(
      request,
      // A split export's files are opened as the worker reaches them.
      shards ? Comlink.proxy({ shard: async (i: number) => Comlink.proxy(await shards.shard(i)) }) : Comlink.proxy(sink),
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

/** The split files as one sink for cancelling: abort() removes every file opened so far. */
function shardSetSink(shards: ShardSinks): ByteSink {
  const unused = () => Promise.reject(new Error('a split export writes through its files, not this sink'));
  return { write: unused, close: unused, abort: (reason) => shards.abort(reason) };
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
