import { useMemo, type ChangeEvent } from 'react';
import { clearImatrix, loadImatrixFile } from '../app/imatrix-actions.ts';
import { imatrixCoverage } from '../app/mix-choices.ts';
import { useStudio } from '../app/store.ts';

function onPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  const file = input.files?.[0];
  if (file) void loadImatrixFile(file);
  input.value = ''; // picking the same file again must fire change again
}

/** Loads llama.cpp's imatrix (GGUF or legacy .dat); the mixes that need one become available. */
export function ImatrixPicker() {
  const imatrix = useStudio((s) => s.imatrix);
  const plan = useStudio((s) => s.source.plan);
  const coverage = useMemo(() => (plan ? imatrixCoverage(imatrix.entryNames, plan) : null), [plan, imatrix.entryNames]);
  const details = [
    `${imatrix.entryNames.length} entries${coverage ? ` (${coverage.covered} of ${coverage.quantizable} tensors)` : ''}`,
    ...imatrix.datasets,
    ...(imatrix.chunkCount > 0 ? [`${imatrix.chunkCount} chunks`] : []),
  ].join(' · ');
  const picker = (
    <label className="button button-small">
      {imatrix.status === 'ready' ? 'Replace' : 'Load imatrix…'}
      <input type="file" className="visually-hidden" accept=".gguf,.dat,.imatrix" data-testid="imatrix-input" onChange={onPicked} />
    </label>
  );
  return (
    <div className="recipe-field">
      <span className="field-label">Importance matrix</span>
      <div className="imatrix" data-testid="imatrix-info" data-hash={imatrix.status === 'ready' ? imatrix.contentHash ?? '' : ''}>
        {imatrix.status === 'loading' && <span className="muted">Reading {imatrix.name}…</span>}
        {imatrix.status === 'ready' && (
          <span className="imatrix-text">
            <strong className="imatrix-name" title={imatrix.name}>
              {imatrix.name}
            </strong>
            <span className="imatrix-details muted" title={details}>
              {details}
            </span>
          </span>
        )}
        {(imatrix.status === 'empty' || imatrix.status === 'error') && <span className="muted">None</span>}
        {picker}
        {imatrix.status === 'ready' && (
          <button type="button" className="button button-quiet button-small" onClick={clearImatrix}>
            Remove
          </button>
        )}
      </div>
    </div>
  );
}
