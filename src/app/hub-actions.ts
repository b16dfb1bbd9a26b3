// Opening a model from the Hugging Face Hub: the worker resolves the revision to a commit, lists
// the files and reads the headers; the page shows the pinned commit and the bytes as they arrive
// (open-model.ts does what every open does). Also the Hub form and its remembered settings.
import * as Comlink from 'comlink';
import { parseHubModelSpec, splitHubFileSpec, hubSpecFromUrl } from '../io/hub/hub-spec.ts';
import type { DownloadEvent } from '../workers/protocol.ts';
import { refreshCacheSize } from './cache-actions.ts';
import { onDownloadEvent } from './download-progress.ts';
import { exportWorker } from './export-client.ts';
import { endpointFromSearch, initialToken, rememberedToken, rememberToken } from './hub-settings.ts';
import { modelIdentityOf } from './model-identity.ts';
import { openModel } from './open-model.ts';
import { useStudio, type HubFormSlice } from './store.ts';

export type HubForm = HubFormSlice['hubForm'];

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
  await openModel({ kind: 'hub', label: form.modelId.trim(), fileCount: 0 }, null, async (open) => {
    // A model page's address pasted whole reads as the id it names; "owner/repo/file.gguf": one GGUF of a repo of several.
    const { model, file } = splitHubFileSpec(hubSpecFromUrl(form.modelId));
    const spec = parseHubModelSpec(model);
    const revision = form.revision.trim() || spec.revision;
    // A superseded open's late events would show the old repo's bytes under the new one.
    const onDownload = (e: DownloadEvent) => {
      if (open.isCurrent()) onDownloadEvent(e);
    };
    const { label, plan, pin, fileCount } = await exportWorker().openHub(
      { repo: spec.repo, revision, endpoint: form.endpoint.trim(), token: form.token.trim() || undefined, useCache: useStudio.getState().cache.enabled, ...(file ? { file } : {}) },
      Comlink.proxy(onDownload),
    );
    return { label, plan, pin, fileCount, identity: modelIdentityOf({ kind: 'hub', repo: pin.file ? `${pin.repo}/${pin.file}` : pin.repo, commit: pin.commit }) };
  });
  void refreshCacheSize();
}
