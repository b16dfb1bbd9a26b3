// The running job, as one number a tab title can carry while the user looks elsewhere, and the
// time left at the rate so far (the export's ETA; the workers estimate their own).
import type { PublishState } from './publish-state.ts';
import type { StudioState } from './store.ts';

type State = Pick<StudioState, 'exportJob' | 'calibration' | 'evaluation' | 'dynamic' | 'source'>;

export function runningJob(s: State, publish: Pick<PublishState, 'phase' | 'progress'>): { label: string; fraction: number } | null {
  const ratio = (done: number, total: number) => (total > 0 ? Math.min(1, done / total) : 0);
  if (s.exportJob.phase === 'running') return { label: 'exporting', fraction: ratio(s.exportJob.progress?.bytesWritten ?? 0, s.exportJob.progress?.totalBytes ?? 0) };
  if (s.calibration.phase === 'running' || s.calibration.phase === 'preparing') {
    return { label: 'calibrating', fraction: ratio(s.calibration.progress?.tokensDone ?? 0, s.calibration.progress?.tokensTotal ?? 0) };
  }
  if (s.evaluation.phase === 'running') return { label: 'evaluating', fraction: s.evaluation.progress?.fraction ?? 0 };
  if (s.dynamic.phase === 'measuring' || s.dynamic.mixesPhase === 'measuring') return { label: 'measuring', fraction: ratio(s.dynamic.progress?.done ?? 0, s.dynamic.progress?.total ?? 0) };
  if (publish.phase === 'running' || publish.phase === 'preparing') {
    const p = publish.progress;
    // Hashing is half the work, uploading the other half (as the panel's bar counts it).
    return { label: 'publishing', fraction: p && p.totalBytes > 0 ? (p.hashedBytes + p.uploadedBytes) / (2 * p.totalBytes) : 0 };
  }
  if (s.source.status === 'planning') return { label: 'opening', fraction: 0 };
  return null;
}

/**
 * Seconds left at the rate since `from`, the first progress seen (a job's start-up, before its
 * first bytes, is not its pace: counted, it made the first estimates four times too long); null
 * until there is enough to go on (a second and 1% more).
 */
export function etaSeconds(fraction: number, nowMs: number, from: { fraction: number; atMs: number } = { fraction: 0, atMs: 0 }): number | null {
  const gained = fraction - from.fraction;
  const elapsedMs = nowMs - from.atMs;
  if (!(gained >= 0.01) || elapsedMs < 1000 || fraction >= 1) return null;
  return (elapsedMs / 1000) * ((1 - fraction) / gained);
}

/** "37% exporting · quant-studio" while a job runs. */
export function tabTitle(job: ReturnType<typeof runningJob>, base: string): string {
  return job ? `${Math.floor(job.fraction * 100)}% ${job.label} · ${base}` : base;
}
