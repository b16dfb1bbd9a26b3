// Sensitivity measurements in OPFS, one entry per cache key (model, calibration data, imatrix,
// candidates): a second visit with the same model and data re-plans without measuring again, and
// the newest of a model is offered when it is opened again (kept-measurement.ts). Bounded: the
// oldest beyond MEASUREMENTS_KEPT go.
import { keptStore, type KeptEntry } from './kept-store.ts';
import { opfsRoot } from './opfs-directory.ts';

export const MEASUREMENTS_KEPT = 12;

const store = keptStore<unknown>('quant-studio-measurements', MEASUREMENTS_KEPT);

/** The unbounded cache of earlier versions (one {key, value} file per key): dropped on the first save. */
const LEGACY_DIR = 'quant-studio-sensitivity';
let legacyDropped = false;

/** The stored value for `key`, or null when there is none (or no OPFS). */
export async function loadSensitivity<T>(key: string): Promise<T | null> {
  const bytes = await store.read(key);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    return null;
  }
}

/**
 * `meta`: what the page lists to offer it again (small; the value is read only when used).
 * False where there is no OPFS: the result is then kept for this session only.
 */
export async function saveSensitivity(key: string, value: unknown, meta: unknown = null): Promise<boolean> {
  if (!legacyDropped) {
    legacyDropped = true;
    await (await opfsRoot())?.removeEntry(LEGACY_DIR, { recursive: true }).catch(() => undefined);
  }
  if (!(await opfsRoot())) return false;
  await store.save(key, meta, JSON.stringify(value));
  return true;
}

export function listSensitivity<M>(): Promise<KeptEntry<M>[]> {
  return store.list() as Promise<KeptEntry<M>[]>;
}

export function removeSensitivity(key: string): Promise<void> {
  return store.remove(key);
}
