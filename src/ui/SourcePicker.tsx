import { useEffect, useState } from 'react';
import { useStudio } from '../app/store.ts';
import { FolderSource } from './FolderSource.tsx';
import { HubSource } from './HubSource.tsx';
import { rovingKeyHandler } from './roving-keys.ts';

type SourceTab = 'hub' | 'folder';

/** Once a model is open: what it is (and, from the Hub, the commit it is pinned to). */
function SourceSummary({ onChange }: { onChange: () => void }) {
  const label = useStudio((s) => s.source.label);
  const fileCount = useStudio((s) => s.source.fileCount);
  const pin = useStudio((s) => s.source.pin);
  return (
    <section className="source-summary" data-testid="source-summary" aria-label="Model source">
      <div className="source-summary-text">
        <strong>{label}</strong>
        <span className="muted">
          {pin ? `${pin.endpoint.replace(/^https?:\/\//, '')} · ` : 'local folder · '}
          {fileCount} {fileCount === 1 ? 'file' : 'files'}
        </span>
        {pin && (
          <span className="pin">
            <span className="muted">pinned to {pin.revision === pin.commit ? 'commit' : `${pin.revision} at commit`}</span>{' '}
            <code data-testid="pinned-commit" data-commit={pin.commit}>
              {pin.commit}
            </code>
          </span>
        )}
      </div>
      <button type="button" className="button" onClick={onChange}>
        Open another model
      </button>
    </section>
  );
}

export function SourcePicker({ compact }: { compact: boolean }) {
  const [tab, setTab] = useState<SourceTab>('hub');
  const [expanded, setExpanded] = useState(false);
  const status = useStudio((s) => s.source.status);
  // A new open folds the picker away again once it is ready.
  useEffect(() => {
    if (status === 'planning') setExpanded(false);
  }, [status]);

  if (compact && !expanded) return <SourceSummary onChange={() => setExpanded(true)} />;
  const tabs: [SourceTab, string][] = [
    ['hub', 'Hugging Face Hub'],
    ['folder', 'Local folder'],
  ];
  return (
    <section className="source-panel" aria-label="Model source">
      <div className="tabs" role="tablist" aria-label="Where the model comes from" onKeyDown={rovingKeyHandler('[role="tab"]', (i) => setTab(tabs[i]![0]))}>
        {tabs.map(([id, name]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`source-tab-${id}`}
            aria-selected={tab === id}
            tabIndex={tab === id ? 0 : -1}
            aria-controls={`source-panel-${id}`}
            className="tab"
            onClick={() => setTab(id)}
          >
            {name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`source-panel-${tab}`} aria-labelledby={`source-tab-${tab}`}>
        {tab === 'hub' ? <HubSource /> : <FolderSource />}
      </div>
    </section>
  );
}
