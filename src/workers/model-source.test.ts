// The model an analysis worker opens: a folder's Files as they are, or a Hub repo at the commit
// another worker pinned, reading only completed files of the OPFS cache and never writing it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHubServer, type HubServer } from '../../test/helpers/hub-server.ts';
import { STORIES260K } from '../../test/helpers/paths.ts';
import { CACHE_DIR } from '../io/opfs-cache.ts';
import type { DownloadEvent } from './hub-session.ts';
import { openWorkerModelFiles, type WorkerModelSource } from './model-source.ts';

const REPO = 'test-owner/stories260K';
const WEIGHTS = 'model.safetensors';
let server: HubServer;

beforeAll(async () => {
  server = await startHubServer({ repos: { [REPO]: { dir: STORIES260K } } });
});
afterAll(() => server?.close());
afterEach(() => vi.unstubAllGlobals());

function hubSource(useCache = false, commit = server.commitOf(REPO)): WorkerModelSource {
  return { kind: 'hub', request: { repo: REPO, revision: commit, endpoint: server.url, useCache }, commit };
}

async function readAll(files: Awaited<ReturnType<typeof openWorkerModelFiles>>['files'], name: string): Promise<Uint8Array> {
  const source = files.open(name);
  if (!source) throw new Error(`${name} is not listed`);
  return source.read(0, source.size);
}

/** An OPFS stand-in: directories of Files, recording every attempt to write. */
function fakeOpfs(files: Record<string, Uint8Array | string>) {
  const writes: string[] = [];
  const dir = (prefix: string): unknown => ({
    async getDirectoryHandle(name: string, options?: { create?: boolean }) {
      if (options?.create) writes.push(`mkdir ${prefix}${name}`);
      const inner = `${prefix}${name}/`;
      if (!Object.keys(files).some((k) => k.startsWith(inner))) throw new DOMException('missing', 'NotFoundError');
      return dir(inner);
    },
    async getFileHandle(name: string, options?: { create?: boolean }) {
      if (options?.create) writes.push(`create ${prefix}${name}`);
      const content = files[`${prefix}${name}`];
      if (content === undefined) throw new DOMException('missing', 'NotFoundError');
      return {
        getFile: async () => new File([content as BlobPart], name),
        createSyncAccessHandle: async () => { writes.push(`lock ${prefix}${name}`); throw new Error('read-only test'); },
        createWritable: async () => { writes.push(`write ${prefix}${name}`); throw new Error('read-only test'); },
      };
    },
    async removeEntry(name: string) {
      writes.push(`remove ${prefix}${name}`);
    },
  });
  vi.stubGlobal('navigator', { storage: { getDirectory: async () => dir('') } });
  return writes;
}

describe('openWorkerModelFiles', () => {
  it('gives a folder its Files as ModelFiles', async () => {
    const config = await readFile(path.join(STORIES260K, 'config.json'));
    const { files, close } = await openWorkerModelFiles({ kind: 'files', files: [{ path: 'stories260K/config.json', blob: new Blob([config]) }] }, {});
    expect(files.names()).toEqual(['config.json']);
    expect(Buffer.from(await readAll(files, 'config.json')).equals(config)).toBe(true);
    await close();
  });

  it('opens a Hub repo at the given commit and reports the download', async () => {
    const events: DownloadEvent[] = [];
    server.requests.length = 0;
    const { files, close } = await openWorkerModelFiles(hubSource(), { onDownload: (e) => events.push(e) });
    const weights = await readAll(files, WEIGHTS);
    expect(Buffer.from(weights).equals(await readFile(path.join(STORIES260K, WEIGHTS)))).toBe(true);
    await close();
    expect(events.some((e) => e.kind === 'network' && e.progress.file.file === WEIGHTS)).toBe(true);
    // Every request names the commit, never a branch.
    const resolves = server.requests.filter((r) => r.server === 'hub' && r.path.includes('/resolve/'));
    expect(resolves.length).toBeGreaterThan(0);
    for (const r of resolves) expect(r.path).toContain(`/resolve/${server.commitOf(REPO)}/`);
  });

  it('refuses a commit the Hub does not answer with', async () => {
    const wrong = 'f'.repeat(40);
    await expect(openWorkerModelFiles(hubSource(false, wrong), {})).rejects.toThrow(REPO);
  });

  it('stops reading when its signal aborts', async () => {
    const controller = new AbortController();
    const { files, close } = await openWorkerModelFiles(hubSource(), { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(readAll(files, WEIGHTS)).rejects.toThrow();
    await close();
  });

  it('reads completed cache entries and writes nothing to the cache', async () => {
    const commit = server.commitOf(REPO);
    const host = new URL(server.url).host;
    const modelDir = `${CACHE_DIR}/${encodeURIComponent(`${host}/${REPO}@${commit}`)}`;
    const real = await readFile(path.join(STORIES260K, WEIGHTS));
    // A marked copy whose bytes differ from the server's: reading it proves it came from the cache.
    const cachedCopy = new Uint8Array(real);
    cachedCopy[0] = cachedCopy[0]! ^ 0xff;
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(real).digest('hex');
    const writes = fakeOpfs({ [`${modelDir}/${WEIGHTS}.data`]: cachedCopy, [`${modelDir}/${WEIGHTS}.sha256`]: sha });
    const events: DownloadEvent[] = [];
    server.requests.length = 0;
    const { files, close } = await openWorkerModelFiles(hubSource(true), { onDownload: (e) => events.push(e) });
    const got = await readAll(files, WEIGHTS);
    await close();
    expect(got[0]).toBe(cachedCopy[0]);
    expect(events.some((e) => e.kind === 'cache' && e.file === WEIGHTS)).toBe(true);
    expect(server.requests.filter((r) => r.path.includes(WEIGHTS) && r.range !== null)).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('reads an unfinished cache entry from the network, without writing the cache', async () => {
    const commit = server.commitOf(REPO);
    const host = new URL(server.url).host;
    const modelDir = `${CACHE_DIR}/${encodeURIComponent(`${host}/${REPO}@${commit}`)}`;
    const real = await readFile(path.join(STORIES260K, WEIGHTS));
    // Data without a marker: an export is still writing it (or gave up).
    const writes = fakeOpfs({ [`${modelDir}/${WEIGHTS}.data`]: new Uint8Array(real.length) });
    const { files, close } = await openWorkerModelFiles(hubSource(true), {});
    const got = await readAll(files, WEIGHTS);
    await close();
    expect(Buffer.from(got).equals(real)).toBe(true);
    expect(writes).toEqual([]);
  });
});
