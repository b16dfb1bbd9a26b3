// What the analysis workers are told to open: the folder's Files, or the Hub repo at the pinned
// commit with the form's token only while the form still points at the pinned endpoint.
import { afterEach, describe, expect, it } from 'vitest';
import { setModelEntries } from './model-entries.ts';
import { initialSource, useStudio } from './store.ts';
import { currentWorkerModelSource } from './worker-model-source.ts';

const COMMIT = 'a'.repeat(40);
const pin = { repo: 'owner/model', revision: 'main', commit: COMMIT, endpoint: 'https://hub.example' };

function openHub(form: { endpoint: string; token: string }, cache = false) {
  setModelEntries(null);
  useStudio.setState((s) => ({
    source: { ...initialSource, kind: 'hub', status: 'ready', label: 'owner/model', pin },
    hubForm: { ...s.hubForm, ...form },
    cache: { ...s.cache, enabled: cache },
  }));
}

afterEach(() => {
  setModelEntries(null);
  useStudio.setState({ source: initialSource });
});

describe('currentWorkerModelSource', () => {
  it('is null while no model is ready', () => {
    expect(currentWorkerModelSource()).toBeNull();
    useStudio.setState({ source: { ...initialSource, kind: 'hub', status: 'planning' } });
    expect(currentWorkerModelSource()).toBeNull();
  });

  it('gives a folder its Files', () => {
    const files = [{ path: 'm/config.json', blob: new Blob(['{}']) }];
    setModelEntries(files);
    useStudio.setState({ source: { ...initialSource, status: 'ready', label: 'm' } });
    expect(currentWorkerModelSource()).toEqual({ kind: 'files', files });
  });

  it('gives a Hub model its pinned commit, the token and the cache preference', () => {
    openHub({ endpoint: 'https://hub.example/', token: ' hf_x ' }, true);
    expect(currentWorkerModelSource()).toEqual({
      kind: 'hub', commit: COMMIT,
      request: { repo: 'owner/model', revision: COMMIT, endpoint: 'https://hub.example', token: 'hf_x', useCache: true },
    });
  });

  it('keeps the token from an endpoint the form no longer names', () => {
    openHub({ endpoint: 'https://other.example', token: 'hf_other' });
    const source = currentWorkerModelSource();
    expect(source?.kind === 'hub' && source.request.token).toBeUndefined();
    expect(source?.kind === 'hub' && source.request.useCache).toBe(false);
  });
});
