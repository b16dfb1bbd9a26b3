// Opening a model ends the previous model's calibration and evaluation (their results describe
// that model); stored checkpoints stay in OPFS for when it is opened again.
import type { NamedBlob } from '../io/blob-files.ts';
import { resetCalibration } from './calibration-actions.ts';
import { resetEvaluation } from './evaluation-actions.ts';
import { setModelEntries } from './model-entries.ts';

export function forgetModelAnalysis(entries: NamedBlob[] | null): void {
  resetCalibration();
  resetEvaluation();
  setModelEntries(entries);
}
