// Calibration in the studio: the data (default set and the user's files) is tokenized in the
// evaluate worker, the calibrate worker runs the GPU forward and returns llama-imatrix's
// statistic, which becomes the studio's importance matrix (the same slot as a loaded file).
// Every finished layer's state goes to OPFS, keyed by model + token sequences + settings, so an
// interrupted run (tab closed, device lost) resumes where it stopped and gives the same imatrix.
import * as Comlink from 'comlink';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CalibrationManifest } from '../core/calibration/default-set.ts';
import { imatrixGgufBytes } from '../core/imatrix/write-imatrix-gguf.ts';
import { listCheckpointMetas, readCheckpoint, removeCheckpoint, saveCheckpoint } from '../io/checkpoint-store.ts';
import type { CalibrationCheckpoint, CalibrationProgress, ImatrixStats } from '../workers/evaluate.worker.ts';
import { calibrateWorker, evaluateWorker } from './analysis-clients.ts';
import { decodeCalibrationCheckpoint, encodeCalibrationCheckpoint } from './checkpoint-bytes.ts';
import { exportWorker } from './export-client.ts';
import { saveBytes } from './save-bytes.ts';
import { modelEntries, modelKey } from './model-entries.ts';
import { recomputeRecipe } from './recipe-actions.ts';
import { initialCalibration, useStudio, type ResumableCalibration, type StudioState } from './store.ts';

/** Chunks per forward pass: each pass streams the weights once. */
const SEQUENCES_PER_PASS = 16;

/** What OPFS keeps beside a checkpoint: enough to resume without the data or the settings. */
export interface CheckpointMeta extends ResumableCalibration {
  version: 1;
  modelKey: string;
  label: string;
  sequencesPerPass: number;
  sequences: number[][];
}

let userFiles: File[] = [];
/** The last calibration's imatrix file, for "Save imatrix". */
let calibrated: { name: string; bytes: Uint8Array } | null = null;
let active: { cancelled: boolean } | null = null;

type Calibration = StudioState['calibration'];

function setCalibration(patch: Partial<Calibration>): void {
  useStudio.setState((s) => ({ calibration: { ...s.calibration, ...patch } }));
}

export function setCalibrationSettings(patch: Partial<Pick<Calibration, 'contextSize' | 'maxChunks' | 'useDefaultSet'>>): void {
  setCalibration(patch);
}

export function addCalibrationFiles(files: readonly File[]): void {
  const names = new Set(files.map((f) => f.name));
  userFiles = [...userFiles.filter((f) => !names.has(f.name)), ...files];
  setCalibration({ userFiles: userFiles.map((f) => f.name) });
}

export function removeCalibrationFile(name: string): void {
  userFiles = userFiles.filter((f) => f.name !== name);
  setCalibration({ userFiles: userFiles.map((f) => f.name) });
}

async function fetchDefaultSet(): Promise<{ bytes: Uint8Array; manifest: CalibrationManifest }> {
  const at = (file: string) => new URL(`calibration/${file}`, document.baseURI);
  const [data, manifest] = await Promise.all([fetch(at('default.jsonl')), fetch(at('manifest.json'))]);
  if (!data.ok) throw new Error(`calibration/default.jsonl: HTTP ${data.status}`);
  if (!manifest.ok) throw new Error(`calibration/manifest.json: HTTP ${manifest.status}`);
  return { bytes: new Uint8Array(await data.arrayBuffer()), manifest: (await manifest.json()) as CalibrationManifest };
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

/** Progress arrives per layer; a few updates a second are plenty. */
function throttled(): (p: CalibrationProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 100 && p.layer < p.layers) return;
    last = now;
    setCalibration({ progress: p });
  };
}

async function useCalibratedImatrix(stats: ImatrixStats, datasets: readonly string[], label: string): Promise<void> {
  const bytes = imatrixGgufBytes(stats, datasets);
  const name = `${stemOf(label)}.imatrix.gguf`;
  calibrated = { name, bytes };
  useStudio.setState((s) => ({ imatrix: { ...s.imatrix, status: 'loading', name, error: null } }));
  // The export worker reads it like a picked file: one slot, one code path for the quantizers.
  const info = await exportWorker().loadImatrix(name, new Blob([bytes as Uint8Array<ArrayBuffer>]));
  useStudio.setState({ imatrix: { status: 'ready', name, ...info, origin: 'calibration', error: null } });
  recomputeRecipe();
}

async function runCalibration(meta: CheckpointMeta, resumeFrom?: CalibrationCheckpoint): Promise<void> {
  const entries = modelEntries();
  if (!entries) throw new Error('Calibration reads the model from a local folder: open it as a folder');
  const job = { cancelled: false };
  active = job;
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
    const stats = await calibrateWorker().calibrate(
      entries, meta.sequences, { sequencesPerPass: meta.sequencesPerPass, resumeFrom },
      Comlink.proxy(throttled()), Comlink.proxy(onCheckpoint),
    );
    await useCalibratedImatrix(stats, meta.datasets, meta.label);
    await removeCheckpoint(meta.key);
    const { warnings } = useStudio.getState().calibration;
    setCalibration({ phase: 'done', saved: null, warnings: checkpointError ? [...warnings, `checkpoints were not saved (${checkpointError})`] : warnings });
  } catch (e) {
    if (job.cancelled) {
      await removeCheckpoint(meta.key);
      setCalibration({ phase: 'cancelled', progress: null, saved: null, error: null });
    } else {
      setCalibration({ phase: 'error', error: (e as Error).message });
      // A lost device or a crash leaves the last layer's checkpoint: offer to go on from it.
      await findResumableCalibration();
    }
  } finally {
    if (active === job) active = null;
  }
}

export async function startCalibration(): Promise<void> {
  const state = useStudio.getState();
  const { calibration, source } = state;
  if (calibration.phase === 'running' || calibration.phase === 'preparing') return;
  const entries = modelEntries();
  if (!entries || !source.plan) {
    setCalibration({ phase: 'error', error: 'Calibration reads the model from a local folder: open it as a folder' });
    return;
  }
  setCalibration({ phase: 'preparing', progress: null, error: null, warnings: [], saved: null });
  try {
    const defaultSet = calibration.useDefaultSet ? await fetchDefaultSet() : null;
    const files = await Promise.all(userFiles.map(async (f) => ({ name: f.name, text: await f.text() })));
    const data = await evaluateWorker().prepareCalibration(entries, {
      defaultSet, userFiles: files, contextSize: calibration.contextSize, maxChunks: calibration.maxChunks,
    });
    const layers = source.plan.layerCount;
    const model = modelKey(entries);
    const meta: CheckpointMeta = {
      version: 1, key: checkpointKey(model, data.sequences, SEQUENCES_PER_PASS), modelKey: model, label: source.label,
      datasets: data.datasets, contextSize: calibration.contextSize, chunks: data.sequences.length,
      pass: 0, passes: Math.ceil(data.sequences.length / SEQUENCES_PER_PASS), layer: 0, layers, savedAt: Date.now(),
      sequencesPerPass: SEQUENCES_PER_PASS, sequences: data.sequences,
    };
    setCalibration({ warnings: data.warnings, chatTemplate: data.chatTemplate });
    await runCalibration(meta);
  } catch (e) {
    setCalibration({ phase: 'error', error: (e as Error).message });
  }
}

export async function resumeCalibration(): Promise<void> {
  const { resumable, phase } = useStudio.getState().calibration;
  if (!resumable || phase === 'running' || phase === 'preparing') return;
  setCalibration({ phase: 'preparing', error: null });
  try {
    const stored = await readCheckpoint(resumable.key);
    if (!stored) throw new Error('The checkpoint is no longer stored; start the calibration again');
    const meta = stored.meta as CheckpointMeta;
    const checkpoint = decodeCalibrationCheckpoint(stored.bytes, `checkpoint ${resumable.key}`);
    setCalibration({ saved: standing(checkpoint, meta) });
    await runCalibration(meta, checkpoint);
  } catch (e) {
    setCalibration({ phase: 'error', error: (e as Error).message });
  }
}

export function cancelCalibration(): void {
  if (!active || active.cancelled) return;
  active.cancelled = true;
  void calibrateWorker().cancel();
}

/** The newest stored checkpoint of the open model, offered as "Resume calibration". */
export async function findResumableCalibration(): Promise<void> {
  const entries = modelEntries();
  if (!entries) return setCalibration({ resumable: null });
  const model = modelKey(entries);
  const metas = (await listCheckpointMetas()) as Partial<CheckpointMeta>[];
  const mine = metas
    .filter((m) => m.version === 1 && m.modelKey === model && typeof m.key === 'string')
    .sort((a, b) => (b.savedAt ?? 0) - (a.savedAt ?? 0));
  if (modelEntries() !== entries) return; // another model was opened meanwhile
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

/** A new model: the old model's calibration state goes (its checkpoints stay in OPFS). */
export function resetCalibration(): void {
  if (active) cancelCalibration();
  calibrated = null;
  const { useDefaultSet, contextSize, maxChunks, userFiles: names } = useStudio.getState().calibration;
  useStudio.setState({ calibration: { ...initialCalibration, useDefaultSet, contextSize, maxChunks, userFiles: names } });
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

export function hasCalibratedImatrix(): boolean {
  return calibrated !== null;
}
