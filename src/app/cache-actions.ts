// The OPFS cache of Hub models: the switch (remembered on this device), its size and "Clear cache".
import { rememberCachePreference } from './hub-settings.ts';
import { exportWorker } from './export-client.ts';
import { useStudio } from './store.ts';

export async function refreshCacheSize(): Promise<void> {
  try {
    const bytes = await exportWorker().cacheSize();
    useStudio.setState((s) => ({ cache: { ...s.cache, bytes, known: true } }));
  } catch (e) {
    useStudio.setState((s) => ({ cache: { ...s.cache, error: (e as Error).message } }));
  }
}

export async function clearCache(): Promise<void> {
  useStudio.setState((s) => ({ cache: { ...s.cache, clearing: true, error: null } }));
  try {
    const bytes = await exportWorker().clearCache();
    useStudio.setState((s) => ({ cache: { ...s.cache, bytes, clearing: false } }));
  } catch (e) {
    useStudio.setState((s) => ({ cache: { ...s.cache, clearing: false, error: (e as Error).message } }));
  }
}

/** Remembered on this device: a user who turned the cache on wants it next time too. */
export function setCacheEnabled(enabled: boolean): void {
  rememberCachePreference(enabled);
  useStudio.setState((s) => ({ cache: { ...s.cache, enabled } }));
}
