import { useStudio } from '../app/store.ts';
import { formatBytes, formatDuration, formatRate } from './format.ts';

/** A Hub model's bytes: overall and per file (received, rate, time left), and what the cache gave. */
export function DownloadStatus() {
  const download = useStudio((s) => s.download);
  const purpose = useStudio((s) => s.downloadPurpose);
  const { overall, cacheBytes, notice } = download;
  const files = Object.values(download.files);
  if (!overall && cacheBytes === 0 && !notice) return null;
  // Opening reads only the headers: counting them against the model's size would read as a stalled download.
  if (purpose === 'open') {
    return (
      <section className="download-status" data-testid="download-status" aria-label="Download">
        {overall && (
          <div className="download-line" data-testid="download-headers" data-bytes={overall.bytes}>
            <strong>Read the headers</strong> {formatBytes(overall.bytes)}
            <span className="muted"> · the model's {formatBytes(overall.totalBytes)} are fetched when an export, calibration or evaluation needs them</span>
          </div>
        )}
        {cacheBytes > 0 && <CacheLine bytes={cacheBytes} />}
        {notice && <div className="download-notice muted" data-testid="download-notice">{notice}</div>}
      </section>
    );
  }
  return (
    <section className="download-status" data-testid="download-status" aria-label="Download">
      {overall && (
        <div className="download-line" data-testid="download-overall" data-bytes={overall.bytes} data-total-bytes={overall.totalBytes}>
          <strong>Downloaded</strong> {formatBytes(overall.bytes)} of {formatBytes(overall.totalBytes)}
          <span className="muted">
            {' '}· {formatRate(overall.bytesPerSecond)} · {overall.bytes >= overall.totalBytes ? 'done' : `${formatDuration(overall.etaSeconds)} left`}
          </span>
        </div>
      )}
      {cacheBytes > 0 && <CacheLine bytes={cacheBytes} />}
      {files.length > 0 && (
        <ul className="download-files">
          {files.map((f) => (
            <li key={f.file} data-file={f.file}>
              <span className="download-file-name">{f.file}</span>
              <span className="progress progress-small" aria-hidden="true">
                <span className="progress-fill" style={{ width: `${f.size > 0 ? Math.min(100, (100 * f.bytes) / f.size) : 100}%` }} />
              </span>
              <span className="muted download-file-numbers">
                {formatBytes(f.bytes)} / {formatBytes(f.size)}
                {f.bytesPerSecond > 0 ? ` · ${formatRate(f.bytesPerSecond)}` : ''}
                {f.bytes >= f.size ? ' · done' : ` · ${formatDuration(f.etaSeconds)} left`}
              </span>
            </li>
          ))}
        </ul>
      )}
      {notice && <div className="download-notice muted" data-testid="download-notice">{notice}</div>}
    </section>
  );
}

function CacheLine({ bytes }: { bytes: number }) {
  return (
    <div className="download-line" data-testid="download-cache" data-bytes={bytes}>
      <strong>From the cache</strong> {formatBytes(bytes)} <span className="muted">· no network</span>
    </div>
  );
}
