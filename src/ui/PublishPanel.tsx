import { editHubForm } from '../app/hub-actions.ts';
import { TextWithLinks } from './TextWithLinks.tsx';
import { baseModelOf, cancelPublish, editPublish, publishBlocker, publishContents, startPublish } from '../app/publish-actions.ts';
import type { FileProgressRow } from '../app/publish-plan.ts';
import { usePublish } from '../app/publish-state.ts';
import { useStudio } from '../app/store.ts';
import { formatBytes } from './format.ts';

const PHASES: Record<string, string> = {
  creating: 'Creating the repository…',
  preuploading: 'Asking the Hub how to store each file…',
  hashing: 'Hashing',
  uploading: 'Uploading',
  committing: 'Committing…',
  done: 'Committed',
};

function FileRow({ f, current, stopped }: { f: FileProgressRow; current: boolean; stopped: boolean }) {
  const state = f.uploaded >= f.size && f.size > 0 ? 'uploaded' : f.uploaded > 0 ? `uploaded ${formatBytes(f.uploaded)}` : f.hashed > 0 ? `hashed ${formatBytes(f.hashed)}` : stopped ? 'not sent' : 'waiting';
  return (
    <li className={current ? 'publish-file publish-file-current' : 'publish-file'} data-file={f.path} data-uploaded={f.uploaded} data-hashed={f.hashed}>
      <span className="publish-file-name">{f.path}</span>
      <span className="muted">{formatBytes(f.size)} · {state}</span>
    </li>
  );
}

/** After an export: the GGUF, its imatrix, recipe and a model card to a Hub repository in one commit. */
export function PublishPanel() {
  // Narrow selectors: what the panel and publishBlocker read.
  const exportJob = useStudio((s) => s.exportJob);
  const source = useStudio((s) => s.source);
  const hubForm = useStudio((s) => s.hubForm);
  // The card carries the evaluation's KLD: the panel says so once there is one.
  const evaluation = useStudio((s) => s.evaluation);
  const studio = { ...useStudio.getState(), exportJob, source, hubForm, evaluation };
  const p = usePublish();
  const exported = studio.exportJob.phase === 'done' ? studio.exportJob.fileName : null;
  if (!exported && p.phase === 'idle') return null;
  const busy = p.phase === 'running' || p.phase === 'preparing';
  const baseModel = baseModelOf(p, studio.source);
  const blocker = publishBlocker(studio, p);
  const progress = p.progress;
  const contents = publishContents(studio);
  const fraction = progress && progress.totalBytes > 0
    ? (progress.phase === 'hashing' || progress.uploadedBytes === 0 ? 0.5 * progress.hashedBytes : 0.5 * progress.totalBytes + 0.5 * progress.uploadedBytes) / progress.totalBytes
    : 0;
  return (
    <section className="analysis-panel publish-panel" aria-label="Publish to the Hub">
      <div className="panel-head">
        <h2>Publish to the Hub</h2>
        <span className="muted" data-testid="publish-contents">
          {contents ? `${contents.join(', ')}: in one commit to ` : 'In one commit to '}
          {studio.hubForm.endpoint}, the only place the token is sent.
        </span>
      </div>
      <div className="analysis-fields">
        <label className="recipe-field publish-field">
          <span className="field-label">Repository</span>
          <input className="text-input" data-testid="publish-repo" placeholder="your-name/Model-GGUF" spellCheck={false} value={p.repo} disabled={busy} onChange={(e) => editPublish({ repo: e.currentTarget.value })} />
        </label>
        <label className="recipe-field publish-field">
          <span className="field-label">Base model (the card's base_model)</span>
          <input className="text-input" data-testid="publish-base-model" placeholder="owner/name" spellCheck={false} value={baseModel} disabled={busy} onChange={(e) => editPublish({ baseModel: e.currentTarget.value })} />
        </label>
        <label className="recipe-field publish-field">
          <span className="field-label" title="The Hub form's token: kept in memory, sent to the endpoint only">Write token</span>
          <input className="text-input" type="password" autoComplete="off" data-testid="publish-token" placeholder="hf_…" value={studio.hubForm.token} disabled={busy} onChange={(e) => editHubForm({ token: e.currentTarget.value })} />
        </label>
        <label className="check">
          <input type="checkbox" data-testid="publish-private" checked={p.private} disabled={busy} onChange={(e) => editPublish({ private: e.currentTarget.checked })} />
          Private
        </label>
        <div className="analysis-actions">
          <button type="button" className="button button-primary" disabled={busy || blocker !== null} title={blocker ?? undefined} onClick={() => void startPublish()}>
            Publish
          </button>
        </div>
      </div>
      {blocker && !busy && exported && <p className="muted" data-testid="publish-blocker">To publish: {blocker}.</p>}
      {busy && (
        <div className="calibration-progress" data-testid="publish-progress">
          <div className="progress-head">
            <span>
              {progress ? PHASES[progress.phase] : 'Reading the exported file…'}
              {progress?.current && (progress.phase === 'hashing' || progress.phase === 'uploading') ? <span className="muted"> · {progress.current}</span> : null}
            </span>
            <button type="button" className="button button-quiet" onClick={cancelPublish}>Cancel</button>
          </div>
          <div className="progress" role="progressbar" aria-label="Publishing progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
            <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
          </div>
          {progress && (
            <div className="progress-numbers" data-testid="publish-numbers">
              hashed {formatBytes(progress.hashedBytes)} · uploaded {formatBytes(progress.uploadedBytes)} of {formatBytes(progress.totalBytes)}
            </div>
          )}
          {p.notice && <div className="progress-numbers" data-testid="publish-notice">{p.notice}</div>}
        </div>
      )}
      {progress && p.phase !== 'idle' && (
        <ul className="publish-files" data-testid="publish-files">
          {progress.files.map((f) => <FileRow key={f.path} f={f} current={busy && progress.current === f.path} stopped={p.phase === 'error' || p.phase === 'cancelled'} />)}
        </ul>
      )}
      {p.phase === 'done' && p.result && (
        <p className="publish-done" role="status" data-testid="publish-done">
          {p.result.created ? 'Created' : 'Updated'} <a href={p.result.repoUrl} target="_blank" rel="noreferrer">{p.result.repoUrl}</a>
          {p.private ? ' (private)' : ''}: {p.result.files.length} files in commit <a href={p.result.commitUrl} target="_blank" rel="noreferrer"><code>{p.result.commitOid.slice(0, 10)}</code></a>.
        </p>
      )}
      {p.phase === 'cancelled' && <p className="muted" role="status" data-testid="publish-cancelled">Publishing cancelled; nothing was committed.</p>}
      {p.phase === 'error' && p.error && (
        <div className="alert" role="alert" data-testid="publish-error">
          <strong>Publishing to {p.repo.trim() || 'the Hub'} failed</strong>
          <span className="alert-text"><TextWithLinks text={p.error} /></span>
        </div>
      )}
    </section>
  );
}
