import { useRef } from 'react';
import { Eta } from './Eta.tsx';
import { cancelExport } from '../app/export-actions.ts';
import { useStudio } from '../app/store.ts';
import { etaSeconds } from '../app/job-progress.ts';
import { formatBytes } from './format.ts';
import { RunCommands } from './RunCommands.tsx';

export function ExportStatus() {
  const phase = useStudio((s) => s.exportJob.phase);
  const progress = useStudio((s) => s.exportJob.progress);
  const fileName = useStudio((s) => s.exportJob.fileName);
  const bytesWritten = useStudio((s) => s.exportJob.bytesWritten);
  const gpuPeakBytes = useStudio((s) => s.exportJob.gpuPeakBytes);
  const expected = useStudio((s) => s.recipe.totalBytes);
  const firstFile = useStudio((s) => s.exportJob.firstFile);
  const savedTo = useStudio((s) => s.exportJob.savedTo);
  const startedAt = useStudio((s) => s.exportJob.startedAt);
  const firstBytes = useRef<{ startedAt: number; atMs: number; fraction: number } | null>(null);

  if (phase === 'idle' || phase === 'error' || phase === 'blocked') return null;
  if (phase === 'done') {
    return (
      <section className="export-status export-done" role="status" data-testid="export-status" data-gpu-peak-bytes={gpuPeakBytes ?? ''}>
        <span>
          Saved <strong>{fileName}</strong> ({formatBytes(bytesWritten)}).
          {gpuPeakBytes !== null && <span className="muted"> At most {formatBytes(gpuPeakBytes)} of GPU memory in use.</span>}
        </span>
        {firstFile && <RunCommands file={firstFile} savedTo={savedTo} />}
      </section>
    );
  }
  if (phase === 'cancelled') {
    return (
      <section className="export-status" role="status" data-testid="export-status">
        <span>Export cancelled; nothing was saved.</span>
      </section>
    );
  }
  const total = progress?.totalBytes || expected;
  const written = progress?.bytesWritten ?? 0;
  const fraction = total > 0 ? Math.min(1, written / total) : 0;
  // The rate from the first bytes on (this export's: `startedAt` tells exports apart).
  if (fraction > 0 && firstBytes.current?.startedAt !== startedAt) firstBytes.current = { startedAt, atMs: performance.now(), fraction };
  const eta = firstBytes.current?.startedAt === startedAt ? etaSeconds(fraction, performance.now(), firstBytes.current) : null;
  return (
    <section className="export-status" data-testid="export-status" aria-label="Export progress">
      <div className="progress-head">
        <span>
          Writing <strong>{fileName}</strong>
          {progress?.tensor ? <span className="muted"> · {progress.tensor}</span> : null}
        </span>
        <button type="button" className="button button-quiet" onClick={cancelExport}>
          Cancel
        </button>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Bytes written"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <div className="progress-numbers" data-testid="export-progress">
        {formatBytes(written)} of {formatBytes(total)} · {progress?.tensorsDone ?? 0} of{' '}
        {progress?.tensorCount ?? '…'} tensors · <Eta seconds={eta} />
      </div>
    </section>
  );
}
