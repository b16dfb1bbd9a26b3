// The kept-results store on an in-memory OPFS: the latest per key, bounded, damaged entries not
// listed, and nothing (no throw on reading) where there is no OPFS.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { entriesBeyond, keptStore } from './kept-store.ts';
import { installFakeOpfs } from './test-opfs.node.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const bytes = (...b: number[]) => new Uint8Array(b);

describe('entriesBeyond', () => {
  it('keeps the newest `limit`, whatever the order listed', () => {
    const e = (key: string, savedAt: number) => ({ key, savedAt, meta: null });
    expect(entriesBeyond([e('a', 1), e('c', 3), e('b', 2)], 2).map((x) => x.key)).toEqual(['a']);
    expect(entriesBeyond([e('a', 1)], 2)).toEqual([]);
    expect(entriesBeyond([e('a', 1)], 0).map((x) => x.key)).toEqual(['a']);
  });
});

describe('keptStore', () => {
  it('saves, lists (newest first), reads and removes', async () => {
    installFakeOpfs();
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = keptStore<{ n: number }>('kept-test', 5);
    vi.setSystemTime(1000);
    await store.save('model a, settings 1', { n: 1 }, bytes(1, 2, 3));
    vi.setSystemTime(2000);
    await store.save('model b', { n: 2 }, '{"x":1}');
    expect(await store.list()).toEqual([
      { key: 'model b', savedAt: 2000, meta: { n: 2 } },
      { key: 'model a, settings 1', savedAt: 1000, meta: { n: 1 } },
    ]);
    expect(await store.read('model a, settings 1')).toEqual(bytes(1, 2, 3));
    expect(new TextDecoder().decode((await store.read('model b'))!)).toBe('{"x":1}');
    expect(await store.read('model c')).toBeNull();
    await store.remove('model a, settings 1');
    expect((await store.list()).map((e) => e.key)).toEqual(['model b']);
    expect(await store.read('model a, settings 1')).toBeNull();
  });

  it('keeps only the latest under one key, and at most `limit` entries (the oldest go)', async () => {
    const root = installFakeOpfs();
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = keptStore<number>('kept-test', 2);
    for (const [t, key] of [[1, 'a'], [2, 'b'], [3, 'a'], [4, 'c']] as const) {
      vi.setSystemTime(t * 1000);
      await store.save(key, t, bytes(t));
    }
    expect((await store.list()).map((e) => [e.key, e.meta])).toEqual([['c', 4], ['a', 3]]);
    expect(await store.read('a')).toEqual(bytes(3));
    expect(await store.read('b')).toBeNull();
    // b's payload went with its meta: nothing is left behind.
    const dir = await root.getDirectoryHandle('kept-test');
    expect(dir.children.size).toBe(4);
  });

  it('does not list a damaged meta, nor one whose key is not its file\'s', async () => {
    const root = installFakeOpfs();
    const store = keptStore<number>('kept-test', 5);
    await store.save('good', 1, bytes(1));
    const dir = await root.getDirectoryHandle('kept-test');
    const write = async (name: string, text: string) => {
      const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
      await w.write(text);
      await w.close();
    };
    await write('0123456789abcdef0123456789abcdef.json', '{"key":"other","savedAt":5,"meta":2}');
    await write('ffffffffffffffffffffffffffffffff.json', '{"key": trunc');
    expect((await store.list()).map((e) => e.key)).toEqual(['good']);
  });

  it('clear removes the folder; another store\'s folder stays', async () => {
    const root = installFakeOpfs();
    const a = keptStore<number>('kept-a', 5);
    const b = keptStore<number>('kept-b', 5);
    await a.save('k', 1, bytes(1));
    await b.save('k', 1, bytes(2));
    await a.clear();
    expect(await a.list()).toEqual([]);
    expect(await b.read('k')).toEqual(bytes(2));
    expect([...root.children.keys()]).toEqual(['kept-b']);
  });

  it('without OPFS: nothing listed or read, a save says why', async () => {
    vi.stubGlobal('navigator', {});
    const store = keptStore<number>('kept-test', 5);
    expect(await store.list()).toEqual([]);
    expect(await store.read('k')).toBeNull();
    await store.remove('k');
    await store.clear();
    await expect(store.save('k', 1, bytes(1))).rejects.toThrow(/no OPFS/);
  });
});
