// The offers of results kept in OPFS from an earlier visit (kept-calibration.ts,
// kept-measurement.ts): what it is, from when, and one click to use it or to discard it.
import { discardKeptCalibration, keptCalibrationBlocker, keptCalibrationInUse, applyKeptCalibration } from '../app/kept-calibration.ts';
import { discardKeptMeasurement, keptMeasurementInUse, keptMeasurementNeeds, applyKeptMeasurement } from '../app/kept-measurement.ts';
import { measurementBlocker } from '../app/dynamic-actions.ts';
import { useStudio } from '../app/store.ts';

const when = (t: number) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function KeptCalibrationOffer() {
  const kept = useStudio((s) => s.calibration.kept);
  const inUse = useStudio(keptCalibrationInUse);
  const blocker = useStudio(keptCalibrationBlocker);
  if (!kept || inUse) return null;
  return (
    <div className="resume-offer" data-testid="kept-calibration-offer" data-hash={kept.contentHash ?? ''}>
      <span>
        A calibration of this model from {when(kept.savedAt)} is kept in this browser ({kept.chunks} chunks of {kept.contextSize} tokens
        {kept.chatTemplate ? ', chat template' : ''} · {kept.datasets.map((d) => d.split(' ')[0]).join(', ')}).
      </span>
      <span className="resume-actions">
        <button type="button" className="button button-primary button-small" disabled={blocker !== null} title={blocker ?? undefined}
          onClick={() => void applyKeptCalibration()}>
          Use it
        </button>
        <button type="button" className="button button-quiet button-small" onClick={() => void discardKeptCalibration()}>
          Discard
        </button>
      </span>
    </div>
  );
}

export function KeptMeasurementOffer() {
  const kept = useStudio((s) => s.dynamic.kept);
  const inUse = useStudio(keptMeasurementInUse);
  const needs = useStudio((s) => (s.dynamic.kept ? keptMeasurementNeeds(s, s.dynamic.kept) : 'nothing'));
  const blocker = useStudio((s) => (s.dynamic.phase === 'measuring' ? 'A measurement is running.' : measurementBlocker(s)));
  if (!kept || inUse) return null;
  const reason = needs === 'nothing' || needs === 'kept-calibration' ? null : needs;
  return (
    <div className="resume-offer" data-testid="kept-measurement-offer">
      <span>
        A sensitivity measurement of this model from {when(kept.savedAt)} is kept in this browser ({kept.tensors} tensors,{' '}
        {kept.inputs.chunks} held-out chunk{kept.inputs.chunks === 1 ? '' : 's'}, {kept.inputs.imatrix ? `with ${kept.inputs.imatrixName ?? 'an importance matrix'}` : 'without an importance matrix'}
        {needs === 'kept-calibration' ? ': using it also loads the kept calibration' : ''}).
        {reason && <span className="muted"> {reason}</span>}
      </span>
      <span className="resume-actions">
        <button type="button" className="button button-primary button-small" disabled={reason !== null || blocker !== null}
          title={reason ?? blocker ?? undefined} onClick={() => void applyKeptMeasurement()}>
          Use it
        </button>
        <button type="button" className="button button-quiet button-small" onClick={() => void discardKeptMeasurement()}>
          Discard
        </button>
      </span>
    </div>
  );
}
