import { describe, expect, it } from 'vitest';
import {
  CACHE_PREFERENCE_KEY, DEFAULT_ENDPOINT, endpointFromSearch, initialToken, rememberCachePreference, rememberedCachePreference, rememberedToken, rememberToken,
  TOKEN_STORAGE_KEY,
} from './hub-settings.ts';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

describe('endpointFromSearch', () => {
  it('takes ?endpoint= without its trailing slash, else the Hub', () => {
    expect(endpointFromSearch('?save=download&endpoint=http://127.0.0.1:4567/')).toBe('http://127.0.0.1:4567');
    expect(endpointFromSearch('')).toBe(DEFAULT_ENDPOINT);
  });

  it('ignores values that are not http(s) URLs', () => {
    expect(endpointFromSearch('?endpoint=javascript:alert(1)')).toBe(DEFAULT_ENDPOINT);
    expect(endpointFromSearch('?endpoint=not a url')).toBe(DEFAULT_ENDPOINT);
  });
});

describe('remembered token', () => {
  it('stores a token and deletes it when unticked', () => {
    const store = memoryStorage();
    rememberToken('hf_abc', store);
    expect(store.map.get(TOKEN_STORAGE_KEY)).toBe('hf_abc');
    expect(rememberedToken(store)).toBe('hf_abc');
    rememberToken(null, store);
    expect(store.map.has(TOKEN_STORAGE_KEY)).toBe(false);
    expect(rememberedToken(store)).toBe('');
  });

  it('survives a storage that throws', () => {
    const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('quota'); }, removeItem: () => {} };
    expect(rememberedToken(throwing)).toBe('');
    expect(() => rememberToken('hf_x', throwing)).not.toThrow();
  });
});

describe('initialToken', () => {
  it('fills a remembered token in for the Hub only, never for an endpoint taken from a link', () => {
    expect(initialToken(DEFAULT_ENDPOINT, 'hf_abc')).toBe('hf_abc');
    expect(initialToken('http://evil.example', 'hf_abc')).toBe('');
  });
});

describe('the cache preference', () => {
  it('is remembered when turned on, forgotten when turned off, off without storage', () => {
    const store = memoryStorage();
    expect(rememberedCachePreference(store)).toBe(false);
    rememberCachePreference(true, store);
    expect(store.map.get(CACHE_PREFERENCE_KEY)).toBe('1');
    expect(rememberedCachePreference(store)).toBe(true);
    rememberCachePreference(false, store);
    expect(store.map.has(CACHE_PREFERENCE_KEY)).toBe(false);
    expect(rememberedCachePreference(null)).toBe(false);
  });
});
