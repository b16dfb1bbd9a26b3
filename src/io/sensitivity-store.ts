// Sensitivity measurements in OPFS, one JSON file per cache key (model, calibration data, imatrix,
// candidates): a second visit with the same model and data re-plans without measuring again.
import { opfsDirectory } from './opfs-directory.ts';

const DIR = 'quant-studio-sensitivity';

const directory = (create: boolean) => opfsDirectory(DIR, create);

async function fileName(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return `${[...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}.json`;
}

/** The stored value for `key`, or null when there is none (or no OPFS). */
export async function loadSensitivity<T>(key: string): Promise<T | null> {
  const dir = await directory(false);
  if (!dir) return null;
  try {
    const file = await (await dir.getFileHandle(await fileName(key))).getFile();
    const stored = JSON.parse(await file.text()) as { key: string; value: T };
    // A hash collision, however unlikely, must not hand back another model's measurements.
    return stored.key === key ? stored.value : null;
  } catch {
    return null;
  }
}

export async function saveSensitivity(key: string, value: unknown): Promise<void> {
  const dir = await directory(true);
  if (!dir) return;
  const handle = await dir.getFileHandle(await fileName(key), { create: true });
  const writable = await (handle as unknown as { createWritable(): Promise<{ write(d: string): Promise<void>; close(): Promise<void> }> }).createWritable();
  await writable.write(JSON.stringify({ key, value }));
  await writable.close();
}
