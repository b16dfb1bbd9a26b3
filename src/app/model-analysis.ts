// Opening a model ends the previous model's calibration, sensitivity measurements and evaluation
// (their results describe that model, and their workers must be free for the new one); stored
// checkpoints and measurements stay in OPFS for when it is opened again. An importance matrix the
// studio calibrated goes too: it was measured on the old model (a picked file stays: the user's choice).
import type { NamedBlob } from '../io/blob-files.ts';
import { resetCalibration } from './calibration-actions.ts';
import { forgetDynamicWork } from './dynamic-actions.ts';
import { clearImatrix } from './imatrix-actions.ts';
import { useStudio } from './store.ts';
import { resetEvaluation } from './evaluation-actions.ts';
import { setModelEntries } from './model-entries.ts';

export function forgetModelAnalysis(entries: NamedBlob[] | null): void {
  resetCalibration();
  forgetDynamicWork();
  if (useStudio.getState().imatrix.origin === 'calibration') clearImatrix();
  resetEvaluation();
  setModelEntries(entries);
}
