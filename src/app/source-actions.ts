// Opening a dropped or picked model: the worker reads only the headers and returns the plan.
import type { NamedBlob } from '../io/blob-files.ts';
import { exportWorker } from './export-client.ts';
import { resetRecipeTypes } from './recipe-actions.ts';
import { initialExport, initialSource, useStudio } from './store.ts';

let openSeq = 0;

export async function openModelFiles(entries: NamedBlob[]): Promise<void> {
  const seq = ++openSeq;
  useStudio.setState((s) => ({
    source: { ...initialSource, status: 'planning', fileCount: entries.length },
    recipe: { ...s.recipe, overrides: {} },
    exportJob: initialExport,
  }));
  try {
    if (entries.length === 0) throw new Error('No files found: drop a model folder (config.json and *.safetensors)');
    const { label, plan } = await exportWorker().open(entries);
    if (seq !== openSeq) return; // a newer drop replaced this one
    useStudio.setState({ source: { status: 'ready', label, fileCount: entries.length, plan, error: null } });
  } catch (e) {
    if (seq !== openSeq) return;
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
