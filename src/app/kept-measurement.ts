// A finished sensitivity measurement kept in OPFS (sensitivity-store.ts, keyed by everything that
// decides its figures) and offered again when its model is opened: "Use it" puts back the
// calibration data settings, the candidate types and the imatrix it was measured with (the kept
// calibration's, when that is the one), then takes the stored table through the measurement's
// own path, so the page is as if the measurement had just finished. Never measured unasked: a
// table that is no longer stored is an error, not a new measurement.
import { listSensitivity, removeSensitivity } from '../io/sensitivity-store.ts';
import { refreshCalibrationDataKey } from './calibration-data.ts';
import { measureSensitivityNow } from './dynamic-actions.ts';
import { findKeptCalibration, keptCalibrationInUse, applyKeptCalibration } from './kept-calibration.ts';
import { inputsKey, type KeptMeasurementMeta } from './measurement-inputs.ts';
import { modelIdentity } from './model-identity.ts';
import { useStudio, type KeptMeasurement, type StudioState } from './store.ts';

function setDynamic(patch: Partial<StudioState['dynamic']>): void {
  useStudio.setState((s) => ({ dynamic: { ...s.dynamic, ...patch } }));
}

const usable = (needs: string) => needs === 'nothing' || needs === 'kept-calibration';

/** Where the imatrix a kept measurement needs comes from; a sentence when the page cannot provide it. */
export function keptMeasurementNeeds(s: StudioState, kept: KeptMeasurement): 'nothing' | 'kept-calibration' | string {
  const loaded = s.imatrix.status === 'ready' ? s.imatrix.contentHash : null;
  const wanted = kept.inputs.imatrix;
  if (kept.userFiles.some((f) => !s.calibration.userFiles.includes(f))) {
    return `It was measured on your calibration files ${kept.userFiles.join(', ')}: add them to use it.`;
  }
  if (wanted === loaded) return 'nothing';
  if (wanted !== null && s.calibration.kept?.contentHash === wanted) return 'kept-calibration';
  if (wanted === null) return 'It was measured without an importance matrix: remove the loaded one to use it.';
  return `It was measured with the importance matrix ${kept.inputs.imatrixName ?? ''} (sha256 ${wanted.slice(0, 12)}…): load it to use it.`.replace('  ', ' ');
}

/** The newest kept measurement of the open model, preferring one the page can use as it stands. */
export async function findKeptMeasurement(): Promise<void> {
  const model = modelIdentity(useStudio.getState().source);
  const entries = model ? await listSensitivity<KeptMeasurementMeta>().catch(() => []) : [];
  const s = useStudio.getState();
  if (modelIdentity(s.source) !== model) return;
  const mine = entries.filter((e) => e.meta?.version === 1 && e.meta.inputs?.model === model)
    .map(({ key, savedAt, meta: { version: _v, ...meta } }): KeptMeasurement => ({ key, savedAt, ...meta }));
  setDynamic({ kept: mine.find((k) => usable(keptMeasurementNeeds(s, k))) ?? mine[0] ?? null });
}

/** Whether the table on screen is the kept one (then nothing is offered). */
export function keptMeasurementInUse(s: StudioState): boolean {
  const { kept, inputs, table } = s.dynamic;
  return kept !== null && table !== null && inputs !== null && s.dynamic.phase === 'ready' && inputsKey(inputs) === kept.key;
}

/** "Use it": the kept imatrix if it needs it, its settings back, and its table as if just measured. */
export async function applyKeptMeasurement(): Promise<void> {
  const kept = useStudio.getState().dynamic.kept;
  if (!kept) return;
  const needs = keptMeasurementNeeds(useStudio.getState(), kept);
  if (needs === 'kept-calibration' && !keptCalibrationInUse(useStudio.getState()) && !(await applyKeptCalibration())) return;
  if (!usable(needs)) return setDynamic({ error: needs });
  useStudio.setState((s) => ({
    calibration: { ...s.calibration, useDefaultSet: kept.useDefaultSet, contextSize: kept.contextSize, maxChunks: kept.maxChunks },
    dynamic: { ...s.dynamic, candidates: kept.candidates, measure: kept.inputs.measure, chunks: kept.inputs.chunks },
  }));
  await refreshCalibrationDataKey();
  await measureSensitivityNow(false, true);
}

export async function discardKeptMeasurement(): Promise<void> {
  const { kept } = useStudio.getState().dynamic;
  if (!kept) return;
  await removeSensitivity(kept.key).catch(() => undefined);
  setDynamic({ kept: null });
}

/** Both kinds of kept result of the model just opened (the measurement's offer depends on the calibration's). */
export async function findKeptResults(): Promise<void> {
  await findKeptCalibration();
  await findKeptMeasurement();
}
