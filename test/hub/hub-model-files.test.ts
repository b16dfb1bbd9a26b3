// The Hub ModelFiles in-process, against the local stand-in: token scoping, bounded requests in
// flight, progress, and verification of bytes the export never read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteSink } from '../../src/core/bytes-io.ts';
import type { HubDownloadProgress } from '../../src/io/hub/download-progress.ts';
import { openHubModelFiles, verifiedSink } from '../../src/io/hub/hub-model-files.ts';
import { parseHubModelSpec } from '../../src/io/hub/hub-spec.ts';
import { tokenScopedFetch } from '../../src/io/hub/token-scoped-fetch.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { TINY_LLAMA_10M } from '../helpers/paths.ts';

const REPO = 'test-owner/tiny-llama-10m';
let server: HubServer;
beforeAll(async () => {
  server = await startHubServer({ repos: { [REPO]: { dir: TINY_LLAMA_10M } } });
});
afterAll(() => server?.close());

describe('tokenScopedFetch', () => {
  it('sends the token to the endpoint, follows the redirect to the CDN without it', async () => {
    server.requests.length = 0;
    const f = tokenScopedFetch(fetch, server.url, 'hf_secret');
    const commit = server.commitOf(REPO);
    const r = await f(`${server.url}/${REPO}/resolve/${commit}/model.safetensors`, { headers: { range: 'bytes=0-7' } });
    expect(r.status).toBe(206);
    expect(server.requests.map((q) => [q.server, q.authorization])).toEqual([['hub', 'Bearer hf_secret'], ['cdn', null]]);
  });

  it('removes an Authorization header a caller set for another origin', async () => {
    server.requests.length = 0;
    const f = tokenScopedFetch(fetch, server.url);
    await (await f(`${server.cdnUrl}/lfs/x?repo=none`, { headers: { authorization: 'Bearer hf_leak' } })).text();
    expect(server.requests[0]!.authorization).toBeNull();
  });
});

describe('openHubModelFiles', () => {
  it('pins reads to the commit, keeps requests in flight bounded, and reports progress', async () => {
    let inFlight = 0;
    let peak = 0;
    const countingFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        const response = await fetch(input, init);
        return response;
      } finally {
        inFlight--;
      }
    }) as typeof fetch;
    const events: HubDownloadProgress[] = [];
    server.requests.length = 0;
    const files = await openHubModelFiles({ repo: REPO, endpoint: server.url, fetch: countingFetch, chunkBytes: 1 << 20, maxInFlight: 2, onProgress: (p) => events.push(p) });
    expect(files.commit).toBe(server.commitOf(REPO));
    const source = files.open('model.safetensors')!;
    const bytes = await source.read(0, source.size);
    expect(bytes.length).toBe(21111368);
    expect(files.stats()).toMatchObject({ bytesReceived: source.size, refetchedForVerification: 0 });
    expect(peak).toBeLessThanOrEqual(2);
    const resolves = server.requests.filter((q) => q.server === 'hub' && q.path.includes('/resolve/'));
    expect(resolves.length).toBe(21); // 1 MiB requests
    expect(resolves.every((q) => q.path.includes(`/resolve/${files.commit}/`))).toBe(true);
    const last = events.at(-1)!;
    expect(last.file).toMatchObject({ file: 'model.safetensors', bytes: source.size, size: source.size, etaSeconds: 0 });
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    expect(events.map((e) => e.bytes)).toEqual([...events.map((e) => e.bytes)].sort((a, b) => a - b));
    await files.close();
  });

  it('verify() reads what the export skipped, and a verified sink refuses to close on a mismatch', async () => {
    server.faults.splice(0, server.faults.length, { kind: 'flip-byte', file: 'model.safetensors', offset: 20_000_000, times: Infinity });
    const files = await openHubModelFiles({ repo: REPO, endpoint: server.url, fetch });
    const source = files.open('model.safetensors')!;
    await source.read(0, 1000); // the corrupt byte is never read by "the export"
    const calls: string[] = [];
    const inner: ByteSink = { write: async () => void calls.push('write'), close: async () => void calls.push('close'), abort: async () => void calls.push('abort') };
    const sink = verifiedSink(inner, files);
    await sink.write(new Uint8Array(1));
    await expect(sink.close()).rejects.toThrow(/model\.safetensors: sha256 mismatch/);
    expect(calls).toEqual(['write']);
    expect(files.stats().refetchedForVerification).toBe(source.size - 1000);
    server.faults.length = 0;
  });

  it('an unknown repo is a 404 naming the repo and revision', async () => {
    await expect(openHubModelFiles({ repo: 'test-owner/none', endpoint: server.url, fetch })).rejects.toThrow('test-owner/none@main: repository or revision not found');
  });
});

describe('parseHubModelSpec', () => {
  it('reads hf://owner/repo@revision and rejects what is not a model id', () => {
    expect(parseHubModelSpec('hf://a-b/c.d@refs/pr/1')).toEqual({ repo: 'a-b/c.d', revision: 'refs/pr/1' });
    expect(parseHubModelSpec('owner/repo')).toEqual({ repo: 'owner/repo' });
    for (const bad of ['hf://a/b/c', 'hf://../x', 'hf://a/b@', 'hf://']) expect(() => parseHubModelSpec(bad)).toThrow(/not a Hub model id/);
  });
});
