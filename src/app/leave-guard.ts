// What leaving the page would lose: work still running (downloads, calibration, measurements,
// an export, an evaluation, a publish), or a result that lives only in this page (an importance
// matrix calibrated here and not kept in OPFS, a dynamic recipe) when no export has saved it.
// The page asks the browser to confirm before it goes (beforeunload) while this is not empty.
import type { PublishState } from './publish-state.ts';
import type { StudioState } from './store.ts';

type State = Pick<StudioState, 'calibration' | 'dynamic' | 'exportJob' | 'evaluation' | 'imatrix' | 'recipe' | 'source'>;

export function unsavedWork(s: State, publish: Pick<PublishState, 'phase'>): string[] {
  const out: string[] = [];
  if (s.source.status === 'planning') out.push('a model is being opened');
  if (s.calibration.phase === 'running' || s.calibration.phase === 'preparing') out.push('the calibration is running');
  if (s.dynamic.phase === 'measuring' || s.dynamic.mixesPhase === 'measuring') out.push('a measurement is running');
  if (s.exportJob.phase === 'running') out.push('an export is running');
  if (s.evaluation.phase === 'running') out.push('an evaluation is running');
  if (publish.phase === 'running' || publish.phase === 'preparing') out.push('a publish is running');
  const exported = s.exportJob.phase === 'done';
  // One kept in OPFS (kept-calibration.ts) is offered again when the model is opened: not lost.
  const kept = s.calibration.kept !== null && s.imatrix.contentHash !== null && s.calibration.kept.contentHash === s.imatrix.contentHash;
  if (s.imatrix.status === 'ready' && s.imatrix.origin === 'calibration' && !exported && !kept) out.push('the importance matrix calibrated here is not saved');
  if (s.recipe.dynamic && !exported) out.push('the dynamic recipe is not exported');
  return out;
}
