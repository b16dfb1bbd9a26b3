import { describe, expect, it } from 'vitest';
import { captureExportInputs } from './export-inputs.ts';
import { baseModelOf, publishBlocker } from './publish-actions.ts';
import { initialPublish } from './publish-state.ts';
import { initialSource, useStudio } from './store.ts';

const hubSource = {
  ...initialSource, status: 'ready' as const, kind: 'hub' as const, label: 'owner/model', identity: 'hub:owner/model@abc',
  pin: { repo: 'owner/model', revision: 'main', commit: 'abc', endpoint: 'https://huggingface.co' },
};

describe('baseModelOf', () => {
  it('prefills the opened Hub repo until the user types one', () => {
    expect(baseModelOf(initialPublish, hubSource)).toBe('owner/model');
    expect(baseModelOf({ baseModel: 'other/base', baseModelEdited: true }, hubSource)).toBe('other/base');
    expect(baseModelOf({ baseModel: '', baseModelEdited: true }, hubSource)).toBe('');
    expect(baseModelOf(initialPublish, { ...initialSource, status: 'ready', kind: 'folder' })).toBe('');
  });
});

describe('publishBlocker', () => {
  it('asks for an export of the open model before anything else', () => {
    const state = { ...useStudio.getState(), source: hubSource };
    expect(publishBlocker(state, { ...initialPublish, repo: 'me/x' })).toBe('export a GGUF first');
    const done = { ...state, exportJob: { ...state.exportJob, phase: 'done' as const, fileName: 'model-Q4_0.gguf' } };
    // Nothing captured yet: no export of this model.
    expect(publishBlocker(done, { ...initialPublish, repo: 'me/x' })).toBe('export a GGUF of this model first');
  });

  it('then the repository, the base model and the token, in that order', () => {
    useStudio.setState({ source: hubSource });
    captureExportInputs([{ fileName: 'model-Q4_0.gguf', mix: 'Q4_0', types: new Map(), fileType: 2, isRecipe: true, split: null }], 'model-Q4_0.gguf');
    const state = { ...useStudio.getState(), exportJob: { ...useStudio.getState().exportJob, phase: 'done' as const, fileName: 'model-Q4_0.gguf' } };
    expect(publishBlocker(state, initialPublish)).toMatch(/repository to publish to/);
    expect(publishBlocker(state, { ...initialPublish, repo: 'not a repo' })).toMatch(/expected owner\/name/);
    expect(publishBlocker(state, { ...initialPublish, repo: 'me/x', baseModelEdited: true })).toMatch(/base model .* is needed/);
    expect(publishBlocker(state, { ...initialPublish, repo: 'me/x' })).toMatch(/write token/);
    const withToken = { ...state, hubForm: { ...state.hubForm, token: 'hf_abc' } };
    expect(publishBlocker(withToken, { ...initialPublish, repo: 'me/x' })).toBeNull();
    // The export shown is another than the one captured (a newer export failed to start): not offered.
    expect(publishBlocker({ ...withToken, exportJob: { ...withToken.exportJob, fileName: 'a … b (2 files)' } }, { ...initialPublish, repo: 'me/x' })).toMatch(/of this model/);
    // Another model opened since: what was exported is not offered for it.
    expect(publishBlocker({ ...withToken, source: { ...hubSource, identity: 'hub:other@def' } }, { ...initialPublish, repo: 'me/x' })).toMatch(/of this model/);
  });
});
