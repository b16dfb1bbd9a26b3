// Opening a model ends the previous model's calibration, sensitivity measurements and evaluation
// (their results describe that model, and their workers must be free for the new one); stored
// checkpoints and measurements stay in OPFS for when it is opened again.
import type { NamedBlob } from '../io/blob-files.ts';
import { resetCalibration } from './calibration-actions.ts';
import { forgetDynamicWork } from './dynamic-actions.ts';
import { resetEvaluation } from './evaluation-actions.ts';
import { setModelEntries } from './model-entries.ts';

export function forgetModelAnalysis(entries: NamedBlob[] | null): void {
  resetCalibration();
  forgetDynamicWork();
  resetEvaluation();
  setModelEntries(entries);
}
