// Opening a dropped or picked model: the worker reads only the headers and returns the plan.
import type { NamedBlob } from '../io/blob-files.ts';
import { findResumableCalibration } from './calibration-actions.ts';
import { exportWorker } from './export-client.ts';
import { forgetModelAnalysis } from './model-analysis.ts';
import { resetRecipeTypes } from './recipe-actions.ts';
import { initialDownload, initialDynamic, initialExport, initialSource, useStudio } from './store.ts';

let openSeq = 0;

/** Each open gets a number; a result for an older one is dropped (a newer open replaced it). */
export function nextOpen(): () => boolean {
  const seq = ++openSeq;
  return () => seq === openSeq;
}

export async function openModelFiles(entries: NamedBlob[]): Promise<void> {
  const current = nextOpen();
  forgetModelAnalysis(entries);
  useStudio.setState((s) => ({
    source: { ...initialSource, status: 'planning', fileCount: entries.length },
    recipe: { ...s.recipe, overrides: {}, dynamic: null },
    dynamic: { ...initialDynamic, candidates: s.dynamic.candidates, chunks: s.dynamic.chunks, measure: s.dynamic.measure, device: s.dynamic.device },
    exportJob: initialExport,
    download: initialDownload,
  }));
  try {
    if (entries.length === 0) throw new Error('No files found: drop a model folder (config.json and *.safetensors)');
    const { label, plan } = await exportWorker().open(entries);
    if (!current()) return; // a newer drop replaced this one
    useStudio.setState({ source: { ...initialSource, status: 'ready', label, fileCount: entries.length, plan } });
    void findResumableCalibration();
  } catch (e) {
    if (!current()) return;
    useStudio.setState({
      source: { ...initialSource, status: 'error', fileCount: entries.length, error: (e as Error).message },
    });
  }
  resetRecipeTypes();
}

/**
 * Which quantizer the worker will use and which types it writes; asked once at start-up so the
 * header can show it and an export of unsupported types is refused before it starts.
 */
export async function detectBackend(): Promise<void> {
  try {
    const worker = exportWorker();
    const backend = await worker.backend();
    useStudio.setState({ backend, supportedTypes: await worker.supportedTypes() });
  } catch (e) {
    useStudio.setState({ backend: { kind: 'cpu', detail: `CPU (${(e as Error).message})` } });
  }
}

/** For failures before planning starts (a dropped folder that cannot be read). */
export function showSourceError(message: string): void {
  openSeq++;
  useStudio.setState({ source: { ...initialSource, status: 'error', error: message } });
  resetRecipeTypes();
}
