// The calibration data as the user chose it (the default set, their own .txt / .jsonl files) and
// the content key naming exactly those bytes. Calibration, the sensitivity measurement and the
// cache keys of their results all read it from here.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CalibrationManifest } from '../core/calibration/default-set.ts';
import type { CalibrationDataRequest } from '../workers/protocol.ts';
import { useStudio } from './store.ts';

/** The user's files themselves (the store keeps their names). */
let userFiles: File[] = [];

function setCalibrationData(patch: { userFiles?: string[]; dataKey?: string | null }): void {
  useStudio.setState((s) => ({ calibration: { ...s.calibration, ...patch } }));
}

export function addCalibrationFiles(files: readonly File[]): void {
  const names = new Set(files.map((f) => f.name));
  userFiles = [...userFiles.filter((f) => !names.has(f.name)), ...files];
  setCalibrationData({ userFiles: userFiles.map((f) => f.name) });
  void refreshCalibrationDataKey();
}

export function removeCalibrationFile(name: string): void {
  userFiles = userFiles.filter((f) => f.name !== name);
  setCalibrationData({ userFiles: userFiles.map((f) => f.name) });
  void refreshCalibrationDataKey();
}

let dataKeySeq = 0;

/**
 * The calibration data's content key in the store, read again after every change of the data, so
 * results measured on other data (a file of the same name with other bytes included) show as such.
 */
export async function refreshCalibrationDataKey(): Promise<void> {
  const seq = ++dataKeySeq;
  setCalibrationData({ dataKey: null });
  let key: string;
  try {
    key = (await calibrationTexts()).datasetKey;
  } catch (e) {
    // Unreadable data names nothing a result could have been measured on.
    key = `unreadable: ${(e as Error).message}`;
  }
  if (seq === dataKeySeq) setCalibrationData({ dataKey: key });
}

async function fetchDefaultSet(): Promise<{ bytes: Uint8Array; manifest: CalibrationManifest }> {
  const at = (file: string) => new URL(`calibration/${file}`, document.baseURI);
  const [data, manifest] = await Promise.all([fetch(at('default.jsonl')), fetch(at('manifest.json'))]);
  if (!data.ok) throw new Error(`calibration/default.jsonl: HTTP ${data.status}`);
  if (!manifest.ok) throw new Error(`calibration/manifest.json: HTTP ${manifest.status}`);
  return { bytes: new Uint8Array(await data.arrayBuffer()), manifest: (await manifest.json()) as CalibrationManifest };
}

/**
 * The calibration data as a run would use it now (the default set when ticked, the user's
 * files) and a key naming exactly those bytes, for caches of results computed on it.
 */
export async function calibrationTexts(): Promise<Pick<CalibrationDataRequest, 'defaultSet' | 'userFiles'> & { datasetKey: string }> {
  const defaultSet = useStudio.getState().calibration.useDefaultSet ? await fetchDefaultSet() : null;
  const files = await Promise.all(userFiles.map(async (f) => ({ name: f.name, text: await f.text() })));
  const digest = (bytes: Uint8Array) => bytesToHex(sha256(bytes));
  const datasetKey = digest(new TextEncoder().encode(JSON.stringify({
    defaultSet: defaultSet ? digest(defaultSet.bytes) : null,
    userFiles: files.map((f) => [f.name, digest(new TextEncoder().encode(f.text))]),
  })));
  return { defaultSet, userFiles: files, datasetKey };
}

