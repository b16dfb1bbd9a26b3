import type { FormEvent } from 'react';
import { editHubForm, openHubModel } from '../app/hub-actions.ts';
import { DEFAULT_ENDPOINT } from '../app/hub-settings.ts';
import { useStudio } from '../app/store.ts';
import { CacheControls } from './CacheControls.tsx';
import { DownloadStatus } from './DownloadStatus.tsx';

/** The Hub source: a model id (and revision), a token if the repo needs one, the endpoint. */
export function HubSource() {
  const form = useStudio((s) => s.hubForm);
  const planning = useStudio((s) => s.source.status === 'planning' && s.source.kind === 'hub');
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void openHubModel();
  };
  return (
    <form className="hub-form" onSubmit={onSubmit} aria-label="Model from the Hugging Face Hub">
      <div className="hub-row">
        <label className="hub-field hub-field-wide">
          <span className="field-label">Model id</span>
          <input
            className="text-input"
            data-testid="hub-model-id"
            value={form.modelId}
            placeholder="owner/repo, or owner/repo/file.gguf"
            title="A model repo (safetensors or a single GGUF), or one GGUF of a repo of several: owner/repo/file.gguf"
            spellCheck={false}
            onChange={(e) => editHubForm({ modelId: e.currentTarget.value })}
          />
        </label>
        <label className="hub-field">
          <span className="field-label">Revision</span>
          <input
            className="text-input"
            data-testid="hub-revision"
            placeholder="main"
            value={form.revision}
            spellCheck={false}
            onChange={(e) => editHubForm({ revision: e.currentTarget.value })}
          />
        </label>
        <button type="submit" className="button button-primary" disabled={planning || form.modelId.trim() === ''}>
          {planning ? 'Loading…' : 'Load model'}
        </button>
      </div>
      <div className="hub-row">
        <label className="hub-field hub-field-wide">
          <span className="field-label">Access token (gated and private models)</span>
          <input
            className="text-input"
            type="password"
            autoComplete="off"
            data-testid="hub-token"
            placeholder="hf_…"
            value={form.token}
            onChange={(e) => editHubForm({ token: e.currentTarget.value })}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="remember-token"
            checked={form.rememberToken}
            onChange={(e) => editHubForm({ rememberToken: e.currentTarget.checked })}
          />
          Remember on this device
        </label>
      </div>
      <details className="hub-advanced" open={form.endpoint !== DEFAULT_ENDPOINT}>
        <summary>Endpoint and cache</summary>
        <label className="hub-field">
          <span className="field-label">Endpoint</span>
          <input
            className="text-input"
            data-testid="hub-endpoint"
            value={form.endpoint}
            spellCheck={false}
            onChange={(e) => editHubForm({ endpoint: e.currentTarget.value })}
          />
        </label>
        <CacheControls />
      </details>
      {planning && (
        <div className="muted" role="status">
          Resolving {form.modelId.trim()} and reading the headers…
        </div>
      )}
      {planning && <DownloadStatus />}
    </form>
  );
}
