import { clearCache, setCacheEnabled } from '../app/cache-actions.ts';
import { useStudio } from '../app/store.ts';
import { formatBytes } from './format.ts';

/** The OPFS cache: on/off, how much it holds, and a way to empty it. */
export function CacheControls() {
  const cache = useStudio((s) => s.cache);
  const exporting = useStudio((s) => s.exportJob.phase === 'running');
  // Not yet known counts as available: the toggle shows the remembered choice from the first paint.
  const unavailable = cache.known && cache.bytes === null;
  return (
    <div className="cache-controls">
      <label className="check">
        <input
          type="checkbox"
          data-testid="cache-toggle"
          checked={cache.enabled && !unavailable}
          disabled={unavailable}
          onChange={(e) => setCacheEnabled(e.currentTarget.checked)}
        />
        Keep downloaded files in this browser (OPFS cache)
      </label>
      <span className="muted" data-testid="cache-size" data-bytes={cache.bytes ?? ''}>
        {unavailable ? 'not available in this browser' : cache.known ? `${formatBytes(cache.bytes ?? 0)} cached` : 'checking…'}
      </span>
      <button
        type="button"
        className="button button-quiet button-small"
        disabled={unavailable || cache.clearing || exporting || cache.bytes === 0}
        onClick={() => void clearCache()}
      >
        {cache.clearing ? 'Clearing…' : 'Clear cache'}
      </button>
      {cache.error && <span className="field-error" role="status">{cache.error}</span>}
    </div>
  );
}
