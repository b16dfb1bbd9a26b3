// Opening a model from the Hugging Face Hub: the worker resolves the revision to a commit, lists
// the files and reads the headers; the page shows the pinned commit and the bytes as they arrive.
// Also the OPFS cache switch, its size and "Clear cache".
import * as Comlink from 'comlink';
import { parseHubModelSpec } from '../io/hub/hub-spec.ts';
import type { DownloadEvent } from '../workers/export.worker.ts';
import { exportWorker } from './export-client.ts';
import { forgetModelAnalysis } from './model-analysis.ts';
import { nextOpen } from './source-actions.ts';
import { resetRecipeTypes } from './recipe-actions.ts';
import { endpointFromSearch, initialToken, rememberCachePreference, rememberedToken, rememberToken } from './hub-settings.ts';
import { initialDownload, initialDynamic, initialExport, initialSource, useStudio, type DownloadSlice, type HubFormSlice } from './store.ts';

export type HubForm = HubFormSlice['hubForm'];


type Download = DownloadSlice['download'];

/** Folds one event from the worker into what the page shows. */
export function withDownloadEvent(download: Download, event: DownloadEvent): Download {
  switch (event.kind) {
    case 'network': {
      const { file, ...overall } = event.progress;
      return { ...download, files: { ...download.files, [file.file]: file }, overall };
    }
    case 'cache':
      return { ...download, cacheBytes: download.cacheBytes + event.bytes };
    case 'retry':
      return { ...download, notice: `${event.file}: retrying in ${(event.delayMs / 1000).toFixed(1)} s (${event.reason})` };
    case 'cache-problem':
      return { ...download, notice: `${event.file}: not cached (${event.message})` };
  }
}

export function onDownloadEvent(event: DownloadEvent): void {
  useStudio.setState((s) => ({ download: withDownloadEvent(s.download, event) }));
}

/** Start-up: the endpoint from `?endpoint=`, a remembered token, the cache's size (its preference is in the store from the start). */
export function loadHubSettings(): void {
  const remembered = rememberedToken();
  const endpoint = endpointFromSearch(globalThis.location?.search ?? '');
  useStudio.setState((s) => ({
    hubForm: { ...s.hubForm, endpoint, token: initialToken(endpoint, remembered), rememberToken: remembered !== '' },
  }));
  void refreshCacheSize();
}

export function editHubForm(patch: Partial<HubForm>): void {
  useStudio.setState((s) => ({ hubForm: { ...s.hubForm, ...patch } }));
  const { token, rememberToken: remember } = useStudio.getState().hubForm;
  // Unticking deletes the stored token; while ticked, the stored copy follows the field.
  if ('token' in patch || 'rememberToken' in patch) rememberToken(remember ? token : null);
}

export async function openHubModel(form: HubForm = useStudio.getState().hubForm): Promise<void> {
  forgetModelAnalysis(null);
  const current = nextOpen();
  useStudio.setState((s) => ({
    source: { ...initialSource, kind: 'hub', status: 'planning', label: form.modelId.trim() },
    recipe: { ...s.recipe, overrides: {}, dynamic: null },
    dynamic: { ...initialDynamic, candidates: s.dynamic.candidates, chunks: s.dynamic.chunks, measure: s.dynamic.measure, device: s.dynamic.device },
    exportJob: initialExport,
    download: initialDownload,
  }));
  try {
    const spec = parseHubModelSpec(form.modelId);
    const revision = form.revision.trim() || spec.revision;
    const { label, plan, pin, fileCount } = await exportWorker().openHub(
      { repo: spec.repo, revision, endpoint: form.endpoint.trim(), token: form.token.trim() || undefined, useCache: useStudio.getState().cache.enabled },
      Comlink.proxy(onDownloadEvent),
    );
    if (!current()) return;
    useStudio.setState({ source: { ...initialSource, kind: 'hub', status: 'ready', label, pin, fileCount, plan } });
  } catch (e) {
    if (!current()) return;
    useStudio.setState({ source: { ...initialSource, kind: 'hub', status: 'error', label: form.modelId, error: (e as Error).message } });
  }
  resetRecipeTypes();
  void refreshCacheSize();
}

export async function refreshCacheSize(): Promise<void> {
  try {
    const bytes = await exportWorker().cacheSize();
    useStudio.setState((s) => ({ cache: { ...s.cache, bytes, known: true } }));
  } catch (e) {
    useStudio.setState((s) => ({ cache: { ...s.cache, error: (e as Error).message } }));
  }
}

export async function clearCache(): Promise<void> {
  useStudio.setState((s) => ({ cache: { ...s.cache, clearing: true, error: null } }));
  try {
    const bytes = await exportWorker().clearCache();
    useStudio.setState((s) => ({ cache: { ...s.cache, bytes, clearing: false } }));
  } catch (e) {
    useStudio.setState((s) => ({ cache: { ...s.cache, clearing: false, error: (e as Error).message } }));
  }
}

/** Remembered on this device: a user who turned the cache on wants it next time too. */
export function setCacheEnabled(enabled: boolean): void {
  rememberCachePreference(enabled);
  useStudio.setState((s) => ({ cache: { ...s.cache, enabled } }));
}
