// Where the studio's Hub settings come from: defaults, the page's URL (`?endpoint=` for tests and
// mirrors), and a token the user chose to remember on this device (localStorage, never sent
// anywhere but the endpoint).

export const DEFAULT_MODEL_ID = 'HuggingFaceTB/SmolLM2-135M-Instruct';
export const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const TOKEN_STORAGE_KEY = 'quant-studio.hf-token';
export const CACHE_PREFERENCE_KEY = 'quant-studio.hub-cache';

type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** `?endpoint=http://127.0.0.1:1234` wins over the default; anything but http(s) is ignored. */
export function endpointFromSearch(search: string): string {
  const value = new URLSearchParams(search).get('endpoint');
  if (!value) return DEFAULT_ENDPOINT;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value.replace(/\/+$/, '') : DEFAULT_ENDPOINT;
  } catch {
    return DEFAULT_ENDPOINT;
  }
}

/** Storage can be missing or throw (a sandboxed frame, a privacy mode): the token then lives in memory only. */
function storage(): KeyValueStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function rememberedToken(store: KeyValueStorage | null = storage()): string {
  try {
    return store?.getItem(TOKEN_STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

/** A token remembers it; null (the box unticked) or an empty token deletes what was stored. */
export function rememberToken(token: string | null, store: KeyValueStorage | null = storage()): void {
  try {
    if (token) store?.setItem(TOKEN_STORAGE_KEY, token);
    else store?.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // quota or a refusing storage: the token still works for this session
  }
}

/**
 * The token the form starts with. A remembered token is filled in only for the default endpoint:
 * a link with `?endpoint=` pointing elsewhere must not be able to collect it with one click.
 */
export function initialToken(endpoint: string, remembered: string): string {
  return endpoint === DEFAULT_ENDPOINT ? remembered : '';
}

/**
 * Whether the user turned the OPFS cache on (remembered on this device). Read when the store is
 * made, so the first paint already shows it: a toggle shown off, then flipped on by a late read,
 * would undo a quick click.
 */
export function rememberedCachePreference(store: KeyValueStorage | null = storage()): boolean {
  try {
    return store?.getItem(CACHE_PREFERENCE_KEY) === '1';
  } catch {
    return false;
  }
}

export function rememberCachePreference(enabled: boolean, store: KeyValueStorage | null = storage()): void {
  try {
    if (enabled) store?.setItem(CACHE_PREFERENCE_KEY, '1');
    else store?.removeItem(CACHE_PREFERENCE_KEY);
  } catch {
    // storage refused: the choice holds for this session
  }
}
