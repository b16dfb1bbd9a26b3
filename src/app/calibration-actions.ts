// Calibration in the studio: the data (default set and the user's files) is tokenized in the
// evaluate worker, the calibrate worker runs the forward (on the GPU, or on the CPU where WebGPU
// is a software emulation or `?backend=cpu` asks: export's rule) and returns llama-imatrix's
// statistic, which becomes the studio's importance matrix (the same slot as a loaded file).
// Every finished layer's state goes to OPFS, keyed by model + token sequences + settings, so an
// interrupted run (tab closed, device lost) resumes where it stopped and gives the same imatrix.
// The model is the open folder or the Hub repo at its pinned commit (downloaded by the workers
// themselves; what arrives is shown in the panel).
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CancelledError } from '../core/cancellation.ts';
import { imatrixGgufBytes } from '../core/imatrix/write-imatrix-gguf.ts';
import { listCheckpointMetas, readCheckpoint, removeCheckpoint, saveCheckpoint } from '../io/checkpoint-store.ts';
import type {
  CalibrateWorkerApi, CalibrationCheckpoint, CalibrationDevice, CalibrationProgress, DownloadEvent, ImatrixStats,
} from '../workers/protocol.ts';
import { exportBackendChoice } from './backend-choice.ts';
import { calibrateWorker, evaluateWorker } from './analysis-clients.ts';
import { decodeCalibrationCheckpoint, encodeCalibrationCheckpoint } from './checkpoint-bytes.ts';
import { exportWorker } from './export-client.ts';
import { jobSlot } from './job-slot.ts';
import { saveBytes } from './save-bytes.ts';
import { withDownloadEvent } from './download-progress.ts';
import { calibrationTexts, refreshCalibrationDataKey } from './calibration-data.ts';
import { recomputeRecipe } from './recipe-actions.ts';
import { initialDownload, useStudio, type DownloadSlice, type ResumableCalibration, type StudioState } from './store.ts';
import { modelIdentity } from './model-identity.ts';
import { currentWorkerModelSource, type WorkerModelSource } from './worker-model-source.ts';
import { throttle } from './throttle.ts';

/**
 * Chunks per forward pass: each pass reads the weights once (from the network for a Hub model).
 * On the CPU one layer over 16 chunks of a real model leaves the panel without numbers (and
 * without a checkpoint) for minutes; a local model's weights cost little to read again next to the
 * CPU's matmuls, so its CPU passes are 4 chunks: progress and checkpoints 4 times as often.
 */
function sequencesPerPass(device: CalibrationDevice, source: WorkerModelSource): number {
  return device.kind === 'cpu' && source.kind !== 'hub' ? 4 : 16;
}

/** What OPFS keeps beside a checkpoint: enough to resume without the data or the settings. */
export interface CheckpointMeta extends ResumableCalibration {
  version: 1;
  modelKey: string;
  label: string;
  sequencesPerPass: number;
  sequences: number[][];
}

/** The last calibration's imatrix file, for "Save imatrix". */
let calibrated: { name: string; bytes: Uint8Array } | null = null;
/** The calibrate worker runs one calibration of the page at a time. */
const calibrations = jobSlot<Comlink.Remote<CalibrateWorkerApi>>('calibration');
/**
 * Bumped when a model is closed: a calibration of the old model that settles later (its data
 * still being prepared, or finishing as the cancel arrives) must not become the new model's imatrix.
 */
let epoch = 0;

type Calibration = StudioState['calibration'];
type Download = DownloadSlice['download'];

/**
 * The bytes of a Hub model the calibration's workers download (tokenizer and headers, then the
 * weights layer by layer). Kept here, not in the studio store, until the store has a field for it.
 */
export const useCalibrationDownload = create<Download>(() => initialDownload);

/** Where the last calibration runs or ran (the panel says it), like the download: not in the store. */
export const useCalibrationDevice = create<{ device: CalibrationDevice | null }>(() => ({ device: null }));

function onCalibrationDownload(event: DownloadEvent): void {
  useCalibrationDownload.setState((d) => withDownloadEvent(d, event));
}

/** Download events cross from a worker only for a Hub model (a folder's Files need none). */
function downloadProxy(source: WorkerModelSource): ((e: DownloadEvent) => void) | undefined {
  return source.kind === 'hub' ? Comlink.proxy(onCalibrationDownload) : undefined;
}

function setCalibration(patch: Partial<Calibration>): void {
  useStudio.setState((s) => ({ calibration: { ...s.calibration, ...patch } }));
}

export function setCalibrationSettings(patch: Partial<Pick<Calibration, 'contextSize' | 'maxChunks' | 'useDefaultSet'>>): void {
  setCalibration(patch);
  if ('useDefaultSet' in patch) void refreshCalibrationDataKey();
}

export function checkpointKey(model: string, sequences: readonly (readonly number[])[], perPass: number): string {
  const text = JSON.stringify({ model, perPass, sequences });
  return bytesToHex(sha256(new TextEncoder().encode(text))).slice(0, 32);
}

/** Where a checkpoint stands: the pass it is in and the layers finished in that pass. */
function standing(c: CalibrationCheckpoint, meta: CheckpointMeta): Pick<ResumableCalibration, 'pass' | 'layer'> {
  return { pass: Math.floor(c.passStart / meta.sequencesPerPass), layer: c.forward?.nextLayer ?? 0 };
}

function stemOf(label: string): string {
  return (label.split('/').pop() || 'model').replace(/[^\w.-]+/g, '-');
}

/** Progress arrives per layer; the last layer always shows. */
function throttled(): (p: CalibrationProgress) => void {
  return throttle((p) => setCalibration({ progress: p }), 100, (p) => p.layer >= p.layers);
}

async function useCalibratedImatrix(stats: ImatrixStats, datasets: readonly string[], label: string, started: number): Promise<void> {
  await adoptCalibratedImatrix(`${stemOf(label)}.imatrix.gguf`, imatrixGgufBytes(stats, datasets), started);
}

/**
 * Makes `bytes` the studio's calibrated imatrix: a run's, or one kept in OPFS (kept-calibration.ts),
 * which then is in every way as if its run had just finished. False: another model was opened meanwhile.
 */
export async function adoptCalibratedImatrix(name: string, bytes: Uint8Array, started = epoch): Promise<boolean> {
  calibrated = { name, bytes };
  useStudio.setState((s) => ({ imatrix: { ...s.imatrix, status: 'loading', name, origin: 'calibration', error: null } }));
  // The export worker reads it like a picked file: one slot, one code path for the quantizers.
  const info = await exportWorker().loadImatrix(name, new Blob([bytes as Uint8Array<ArrayBuffer>]));
  if (started !== epoch) {
    // Another model was opened while it was read: it is not that model's.
    await exportWorker().clearImatrix();
    return false;
  }
  useStudio.setState({ imatrix: { status: 'ready', name, ...info, origin: 'calibration', error: null } });
  recomputeRecipe();
  return true;
}

async function runCalibration(meta: CheckpointMeta, resumeFrom?: CalibrationCheckpoint): Promise<void> {
  const started = epoch;
  const source = currentWorkerModelSource();
  if (!source) throw new Error('No model is open: open a model before calibrating');
  if (modelIdentity(useStudio.getState().source) !== meta.modelKey) throw new Error(`The checkpoint was taken on another model than ${meta.label}`);
  const job = calibrations.start();
  if (!job) throw new Error('A calibration is already running');
  setCalibration({
    phase: 'running', progress: null, error: null, resumable: null, datasets: meta.datasets, chunks: meta.chunks,
    contextSize: meta.contextSize,
  });
  let checkpointError: string | null = null;
  const onCheckpoint = async (c: CalibrationCheckpoint) => {
    const at = standing(c, meta);
    try {
      await saveCheckpoint(meta.key, { ...meta, ...at, savedAt: Date.now() }, encodeCalibrationCheckpoint(c));
      setCalibration({ saved: at });
    } catch (e) {
      // Without a place to keep them the run goes on; it just cannot be resumed.
      checkpointError = (e as Error).message;
    }
  };
  try {
    const [worker] = job.use([calibrateWorker()]);
    const device = await worker!.chooseDevice(exportBackendChoice());
    useCalibrationDevice.setState({ device });
    // Checkpoints have one form on both devices: a run resumes on whichever this page chooses now.
    const stats = await worker!.calibrate(
      source, meta.sequences, { sequencesPerPass: meta.sequencesPerPass, resumeFrom, device: device.kind },
      Comlink.proxy(throttled()), Comlink.proxy(onCheckpoint), downloadProxy(source),
    );
    // Finished just as it was cancelled, or as another model was opened: not this model's imatrix.
    if (job.cancelled || started !== epoch) throw new CancelledError('The calibration was cancelled');
    await useCalibratedImatrix(stats, meta.datasets, meta.label, started);
    await removeCheckpoint(meta.key);
    if (started !== epoch) return;
    const { warnings } = useStudio.getState().calibration;
    setCalibration({ phase: 'done', saved: null, warnings: checkpointError ? [...warnings, `checkpoints were not saved (${checkpointError})`] : warnings });
  } catch (e) {
    if (started !== epoch) return; // the page now shows another model
    if (job.cancelled) {
      await removeCheckpoint(meta.key);
      setCalibration({ phase: 'cancelled', progress: null, saved: null, error: null });
    } else {
      // A lost device or a crash leaves the last layer's checkpoint: offer to go on from it
      // (looked up first, so the message and the offer appear together).
      await findResumableCalibration().catch(() => undefined);
      setCalibration({ phase: 'error', error: (e as Error).message });
    }
  } finally {
    calibrations.finish(job);
  }
}

export async function startCalibration(): Promise<void> {
  const state = useStudio.getState();
  const { calibration, source } = state;
  if (calibration.phase === 'running' || calibration.phase === 'preparing') return;
  // Its imatrix would replace the one a running measurement is measuring with (see CalibrationPanel).
  if (state.dynamic.phase === 'measuring') return;
  const started = epoch;
  const modelSource = currentWorkerModelSource();
  if (!modelSource || !source.plan) {
    setCalibration({ phase: 'error', error: 'No model is open: open a model before calibrating' });
    return;
  }
  setCalibration({ phase: 'preparing', progress: null, error: null, warnings: [], saved: null });
  useCalibrationDownload.setState(initialDownload, true);
  try {
    const { defaultSet, userFiles: files } = await calibrationTexts();
    const data = await evaluateWorker().prepareCalibration(modelSource, {
      defaultSet, userFiles: files, contextSize: calibration.contextSize, maxChunks: calibration.maxChunks,
    }, downloadProxy(modelSource));
    if (started !== epoch) return; // another model was opened while the data was prepared
    const layers = source.plan.layerCount;
    const model = modelIdentity(source)!;
    const perPass = sequencesPerPass(await calibrateWorker().chooseDevice(exportBackendChoice()), modelSource);
    if (started !== epoch) return;
    const meta: CheckpointMeta = {
      version: 1, key: checkpointKey(model, data.sequences, perPass), modelKey: model, label: source.label,
      datasets: data.datasets, contextSize: calibration.contextSize, chunks: data.sequences.length,
      pass: 0, passes: Math.ceil(data.sequences.length / perPass), layer: 0, layers, savedAt: Date.now(),
      sequencesPerPass: perPass, sequences: data.sequences,
    };
    setCalibration({ warnings: data.warnings, chatTemplate: data.chatTemplate });
    await runCalibration(meta);
  } catch (e) {
    if (started === epoch) setCalibration({ phase: 'error', error: (e as Error).message });
  }
}

export async function resumeCalibration(): Promise<void> {
  const { resumable, phase } = useStudio.getState().calibration;
  if (!resumable || phase === 'running' || phase === 'preparing') return;
  if (useStudio.getState().dynamic.phase === 'measuring') return;
  const started = epoch;
  setCalibration({ phase: 'preparing', error: null });
  try {
    const stored = await readCheckpoint(resumable.key);
    if (!stored) throw new Error('The checkpoint is no longer stored; start the calibration again');
    const meta = stored.meta as CheckpointMeta;
    const checkpoint = decodeCalibrationCheckpoint(stored.bytes, `checkpoint ${resumable.key}`);
    setCalibration({ saved: standing(checkpoint, meta) });
    useCalibrationDownload.setState(initialDownload, true);
    await runCalibration(meta, checkpoint);
  } catch (e) {
    if (started === epoch) setCalibration({ phase: 'error', error: (e as Error).message });
  }
}

export function cancelCalibration(): void {
  calibrations.cancel();
}

/** The newest stored checkpoint of the open model, offered as "Resume calibration". */
export async function findResumableCalibration(): Promise<void> {
  const model = modelIdentity(useStudio.getState().source);
  if (!model) return setCalibration({ resumable: null });
  const metas = (await listCheckpointMetas()) as Partial<CheckpointMeta>[];
  const mine = metas
    .filter((m) => m.version === 1 && m.modelKey === model && typeof m.key === 'string')
    .sort((a, b) => (b.savedAt ?? 0) - (a.savedAt ?? 0));
  if (modelIdentity(useStudio.getState().source) !== model) return; // another model was opened meanwhile
  const m = mine[0];
  setCalibration({
    resumable: m ? {
      key: m.key!, datasets: m.datasets ?? [], contextSize: m.contextSize ?? 0, chunks: m.chunks ?? 0,
      pass: m.pass ?? 0, passes: m.passes ?? 1, layer: m.layer ?? 0, layers: m.layers ?? 0, savedAt: m.savedAt ?? 0,
    } : null,
  });
}

export async function discardResumableCalibration(): Promise<void> {
  const { resumable } = useStudio.getState().calibration;
  if (!resumable) return;
  await removeCheckpoint(resumable.key);
  setCalibration({ resumable: null, phase: 'idle', error: null });
}

/**
 * A new model: the old model's calibration is cancelled and whatever of it settles later is
 * dropped (its checkpoints stay in OPFS). The store's slice is reset by open-model's reducer.
 */
export function forgetCalibrationJob(): void {
  epoch++;
  calibrations.cancel();
  useCalibrationDownload.setState(initialDownload, true);
}

/** Another model is open: the calibrated imatrix's bytes ("Save imatrix") were the old model's. */
export function forgetCalibratedBytes(): void {
  calibrated = null;
}

/** "Save imatrix": llama.cpp's GGUF imatrix, as llama-imatrix writes it. */
export async function saveCalibratedImatrix(): Promise<void> {
  if (!calibrated) return;
  try {
    await saveBytes(calibrated.bytes, calibrated.name);
  } catch (e) {
    setCalibration({ error: `Saving ${calibrated.name} failed: ${(e as Error).message}` });
  }
}

/** The calibrated imatrix's file (what "Save imatrix" saves), for publishing; null when none. */
export function calibratedImatrixFile(): { name: string; bytes: Uint8Array } | null {
  return calibrated;
}

export function hasCalibratedImatrix(): boolean {
  return calibrated !== null;
}

// Test hooks, only on a page opened with ?test-hooks (the e2e tests): lose the calibrate
// worker's GPU device, now or after the next run's n-th checkpoint.
if (typeof location !== 'undefined' && new URLSearchParams(location.search).has('test-hooks')) {
  (globalThis as { quantStudioTestHooks?: object }).quantStudioTestHooks = {
    loseCalibrationDevice: (afterCheckpoints = 0) => calibrateWorker().loseDeviceForTest(afterCheckpoints),
  };
}
