// A finished calibration kept in OPFS (the imatrix file as "Save imatrix" saves it, and what it was
// computed on), so a reload or a closed tab does not lose minutes of GPU work: when the same model
// is opened again, the newest is offered ("Use it" / "Discard"), never loaded unasked: a user who
// opens a model sees the state they chose. One entry per model and settings (the latest run wins),
// CALIBRATIONS_KEPT in all. Without OPFS nothing is kept and nothing is offered.
import { keptStore } from '../io/kept-store.ts';
import { adoptCalibratedImatrix, calibratedImatrixFile } from './calibration-actions.ts';
import { modelIdentity } from './model-identity.ts';
import { useStudio, type KeptCalibration, type StudioState } from './store.ts';

export const CALIBRATIONS_KEPT = 6;

type Meta = Omit<KeptCalibration, 'key' | 'savedAt'> & { version: 1; model: string };

const store = keptStore<Meta>('quant-studio-kept-calibrations', CALIBRATIONS_KEPT);

function setCalibration(patch: Partial<StudioState['calibration']>): void {
  useStudio.setState((s) => ({ calibration: { ...s.calibration, ...patch } }));
}

/** What defines a calibration's result: the model, the data (by content: the datasets carry their sha256) and how it was cut. */
export function keptCalibrationKey(model: string, c: Pick<KeptCalibration, 'datasets' | 'contextSize' | 'chunks'>): string {
  return JSON.stringify(['calibration', model, [...c.datasets].sort(), c.contextSize, c.chunks]);
}

/** The calibration just finished on the open model, as kept (null when nothing is there to keep). */
export function finishedCalibration(s: StudioState): (Meta & { key: string }) | null {
  const model = modelIdentity(s.source);
  const file = calibratedImatrixFile();
  const { calibration: c, imatrix } = s;
  if (!model || !file || imatrix.status !== 'ready' || imatrix.origin !== 'calibration' || imatrix.name !== file.name) return null;
  const meta: Meta = {
    version: 1, model, name: file.name, datasets: c.datasets, contextSize: c.contextSize, maxChunks: c.maxChunks, chunks: c.chunks,
    chatTemplate: c.chatTemplate, contentHash: imatrix.contentHash,
  };
  return { ...meta, key: keptCalibrationKey(model, meta) };
}

async function keepFinished(): Promise<void> {
  const s = useStudio.getState();
  const finished = finishedCalibration(s);
  const file = calibratedImatrixFile();
  if (!finished || !file) return;
  const { key, ...meta } = finished;
  try {
    await store.save(key, meta, file.bytes);
  } catch {
    return; // no OPFS (or it is full): the page keeps it for this session, and the leave guard still asks
  }
  if (modelIdentity(useStudio.getState().source) !== meta.model) return;
  setCalibration({ kept: { key, savedAt: Date.now(), ...meta } });
}

/** The newest kept calibration of the open model, offered in the calibration panel. */
export async function findKeptCalibration(): Promise<void> {
  const model = modelIdentity(useStudio.getState().source);
  const entries = model ? await store.list().catch(() => []) : [];
  if (modelIdentity(useStudio.getState().source) !== model) return; // another model was opened meanwhile
  const newest = entries.find((e) => e.meta?.version === 1 && e.meta.model === model);
  if (!newest) return setCalibration({ kept: null });
  const { version: _v, model: _m, ...meta } = newest.meta;
  setCalibration({ kept: { key: newest.key, savedAt: newest.savedAt, ...meta } });
}

/** Why the kept calibration cannot be used now (null: it can). */
export function keptCalibrationBlocker(s: StudioState): string | null {
  if (s.calibration.phase === 'running' || s.calibration.phase === 'preparing') return 'A calibration is running.';
  if (s.dynamic.phase === 'measuring') return 'A sensitivity measurement is running with the current importance matrix.';
  return null;
}

/** Whether the kept one is the importance matrix the page uses now (then nothing is offered). */
export function keptCalibrationInUse(s: StudioState): boolean {
  const { kept } = s.calibration;
  return kept !== null && kept.contentHash !== null && s.imatrix.status === 'ready' && s.imatrix.contentHash === kept.contentHash;
}

/** "Use it": the page as if that calibration had just finished (its imatrix loaded, its settings shown). */
export async function applyKeptCalibration(): Promise<boolean> {
  const s = useStudio.getState();
  const kept = s.calibration.kept;
  if (!kept || keptCalibrationBlocker(s)) return false;
  if (keptCalibrationInUse(s)) return true;
  const model = modelIdentity(s.source);
  const bytes = await store.read(kept.key);
  if (modelIdentity(useStudio.getState().source) !== model) return false;
  if (!bytes) {
    setCalibration({ kept: null, error: 'The kept calibration is no longer stored: calibrate again.', phase: 'error' });
    return false;
  }
  if (!(await adoptCalibratedImatrix(kept.name, bytes))) return false;
  setCalibration({
    phase: 'done', datasets: kept.datasets, chunks: kept.chunks, contextSize: kept.contextSize, maxChunks: kept.maxChunks,
    chatTemplate: kept.chatTemplate, warnings: [], error: null,
  });
  return true;
}

export async function discardKeptCalibration(): Promise<void> {
  const { kept } = useStudio.getState().calibration;
  if (!kept) return;
  await store.remove(kept.key).catch(() => undefined);
  setCalibration({ kept: null });
}

// A calibration that finishes (a run, or a resumed one) is kept: watched here so the run's own
// code needs no step for it. A kept one put back by "Use it" is already kept (same content).
useStudio.subscribe((state, previous) => {
  if (state.calibration.phase !== 'done' || previous.calibration.phase === 'done') return;
  if (keptCalibrationInUse(state)) return;
  void keepFinished();
});
