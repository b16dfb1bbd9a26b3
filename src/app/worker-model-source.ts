// What an analysis worker (calibration, evaluation, sensitivity) is told to read: the open
// folder's Files, or the open Hub repo at the commit the export worker pinned, with the token
// and the cache preference of the page. Built fresh for every run from the store.
import type { WorkerModelSource } from '../workers/protocol.ts';
import { modelEntries } from './model-entries.ts';
import { useStudio } from './store.ts';

export type { WorkerModelSource };

const withoutTrailingSlash = (url: string) => url.trim().replace(/\/+$/, '');

/** The open model as a worker reads it; null while none is open (or still planning). */
export function currentWorkerModelSource(): WorkerModelSource | null {
  const { source, hubForm, cache } = useStudio.getState();
  if (source.status !== 'ready') return null;
  if (source.kind === 'folder') {
    const files = modelEntries();
    return files ? { kind: 'files', files } : null;
  }
  const pin = source.pin;
  if (!pin) return null;
  // The form's token belongs to the form's endpoint: if that was edited since the model was
  // opened, the token is not sent to the old one.
  const sameEndpoint = withoutTrailingSlash(hubForm.endpoint || pin.endpoint) === withoutTrailingSlash(pin.endpoint);
  const token = sameEndpoint ? hubForm.token.trim() : '';
  return {
    kind: 'hub',
    request: { repo: pin.repo, revision: pin.commit, endpoint: pin.endpoint, token: token || undefined, useCache: cache.enabled, ...(pin.file ? { file: pin.file } : {}) },
    commit: pin.commit,
  };
}
