// pushToHub against the local Hub stand-in (a real HTTP server with the upload endpoints that
// @huggingface/hub's createRepo and commit use): one commit with every file, LFS objects whose
// sha256 the Hub lists and serves back, private repositories, the token only ever sent to the
// endpoint, and faults during the upload: retried where a retry helps, otherwise a clear error
// and no commit (nor half-stored object).
import { createHash, randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listFiles } from '@huggingface/hub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pushToHub, type PushFile, type PushOptions, type PushProgress } from '../../src/io/hub/push-files.ts';
import { uploadFetch } from '../../src/io/hub/upload-fetch.node.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';

const TOKEN = 'hf_writer_token';
const OTHER_TOKEN = 'hf_other_namespace';
const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 50 };
const CHUNK = 256 * 1024;

let server: HubServer;
let work: string;
const local = new Map<string, Buffer>();
let repoCounter = 0;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hub-push-'));
  server = await startHubServer({
    repos: {},
    write: { storeDir: path.join(work, 'store'), tokens: { [TOKEN]: ['me', 'my-org'], [OTHER_TOKEN]: ['someone-else'] }, multipartThreshold: 1 << 20, chunkSize: CHUNK },
  });
  // A multipart object (5 parts, the last short), a one-PUT object, and two regular files.
  local.set('model-Q4_K_M.gguf', randomBytes(4 * CHUNK + 1234));
  local.set('imatrix.gguf', randomBytes(200_000));
  local.set('recipe.json', Buffer.from(JSON.stringify({ mix: 'Q4_K_M' })));
  local.set('README.md', Buffer.from('---\nbase_model: a/b\n---\n# hello\n'));
  for (const [name, bytes] of local) await writeFile(path.join(work, name), bytes);
});

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  server.faults.length = 0;
  server.requests.length = 0;
});

async function diskFiles(names = [...local.keys()]): Promise<PushFile[]> {
  return Promise.all(names.map(async (name) => ({ path: name, content: await openAsBlob(path.join(work, name)) })));
}

function push(repo: string, files: PushFile[], extra: Partial<PushOptions> = {}) {
  return pushToHub({ repo, token: TOKEN, endpoint: server.url, files, fetch: uploadFetch(), retryPolicy: FAST_RETRY, ...extra });
}

const newRepo = () => `me/push-${++repoCounter}`;

/** A file of new random bytes (so that the Hub has no object of it yet), named `name` in the repo. */
async function fresh(name: string, size: number): Promise<{ file: PushFile; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const onDisk = path.join(work, `fresh-${Math.random().toString(36).slice(2)}`);
  await writeFile(onDisk, bytes);
  return { file: { path: name, content: await openAsBlob(onDisk) }, bytes };
}
const BIG = 4 * CHUNK + 1234;

async function download(repo: string, file: string, token = TOKEN): Promise<Buffer> {
  const r = await fetch(`${server.url}/${repo}/resolve/main/${file}`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status, `${file}: ${r.status}`).toBe(200);
  return Buffer.from(await r.arrayBuffer());
}

describe('push round trip', () => {
  it('pushes every file in one commit; the Hub lists them with matching sha256 and serves the same bytes', async () => {
    const repo = newRepo();
    const progress: PushProgress[] = [];
    const result = await push(repo, await diskFiles(), { onProgress: (p) => progress.push(p) });
    expect(result.created).toBe(true);
    expect(result.commitOid).toBe(server.commitOf(repo));
    // The creation's commit, then exactly one with all four files.
    const commits = server.commits(repo);
    expect(commits.map((c) => c.summary)).toEqual(['initial commit', 'Upload 4 files with quant-studio']);
    expect(Object.keys(commits[1]!.files).sort()).toEqual(['.gitattributes', ...local.keys()].sort());

    const listed = new Map<string, { size: number; lfs?: { oid: string } }>();
    for await (const f of listFiles({ repo, hubUrl: server.url, accessToken: TOKEN, fetch })) listed.set(f.path, f);
    for (const [name, bytes] of local) {
      expect(listed.get(name)?.size, name).toBe(bytes.length);
      expect(sha256(await download(repo, name)), name).toBe(sha256(bytes));
    }
    // The two GGUF files are LFS objects named by their sha256; the small files are regular.
    expect(listed.get('model-Q4_K_M.gguf')?.lfs?.oid).toBe(sha256(local.get('model-Q4_K_M.gguf')!));
    expect(listed.get('imatrix.gguf')?.lfs?.oid).toBe(sha256(local.get('imatrix.gguf')!));
    expect(listed.get('README.md')?.lfs).toBeUndefined();
    expect((await server.storedObjects()).sort()).toEqual(expect.arrayContaining([sha256(local.get('imatrix.gguf')!), sha256(local.get('model-Q4_K_M.gguf')!)]));

    // The big file went in 5 parts, the imatrix in one PUT.
    const puts = server.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(6);
    const last = progress.at(-1)!;
    expect(last.phase).toBe('done');
    expect(last.hashedBytes).toBe(local.get('model-Q4_K_M.gguf')!.length + local.get('imatrix.gguf')!.length);
    expect(last.uploadedBytes).toBe(last.hashedBytes);
    expect(last.totalBytes).toBe([...local.values()].reduce((a, b) => a + b.length, 0));
  });

  it('sends the token to the endpoint only: never to the storage URLs, never in a URL', async () => {
    const repo = newRepo();
    const big = await fresh('model.gguf', BIG);
    const small = await fresh('imatrix.gguf', 5000);
    await push(repo, [big.file, small.file, ...(await diskFiles(['README.md']))]);
    const cdn = server.requests.filter((r) => r.server === 'cdn');
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => r.authorization === null)).toBe(true);
    expect(server.requests.every((r) => !r.path.includes(TOKEN))).toBe(true);
    const authorised = server.requests.filter((r) => r.authorization !== null);
    expect(authorised.every((r) => r.server === 'hub' && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(authorised.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/repos/create', `/api/models/${repo}/commit/main`]));
  });

  it('works with the platform fetch (as in the browser) for a one-PUT upload', async () => {
    const repo = newRepo();
    const files = (await diskFiles(['imatrix.gguf', 'recipe.json']));
    await pushToHub({ repo, token: TOKEN, endpoint: server.url, files, retryPolicy: FAST_RETRY });
    expect(sha256(await download(repo, 'imatrix.gguf'))).toBe(sha256(local.get('imatrix.gguf')!));
  });

  it('pushes into an existing repository as a new commit, skipping objects the Hub already has', async () => {
    const repo = newRepo();
    await push(repo, await diskFiles());
    server.requests.length = 0;
    const again = await push(repo, [...(await diskFiles(['model-Q4_K_M.gguf'])), { path: 'notes.txt', content: new Blob(['second']) }], { commitTitle: 'second' });
    expect(again.created).toBe(false);
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect(server.commits(repo).map((c) => c.summary)).toEqual(['initial commit', 'Upload 4 files with quant-studio', 'second']);
    expect((await download(repo, 'notes.txt')).toString()).toBe('second');
    expect(sha256(await download(repo, 'README.md'))).toBe(sha256(local.get('README.md')!));
  });
});

describe('private repositories', () => {
  it('creates the repository private: others get 401, the owner reads it', async () => {
    const repo = 'my-org/private-one';
    await push(repo, await diskFiles(['imatrix.gguf', 'README.md']), { private: true });
    expect(server.isPrivate(repo)).toBe(true);
    expect((await fetch(`${server.url}/api/models/${repo}`)).status).toBe(401);
    expect((await fetch(`${server.url}/${repo}/resolve/main/README.md`, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } })).status).toBe(401);
    const info = await (await fetch(`${server.url}/api/models/${repo}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(info.private).toBe(true);
    expect(sha256(await download(repo, 'imatrix.gguf'))).toBe(sha256(local.get('imatrix.gguf')!));
  });

  it('a public push is public', async () => {
    const repo = newRepo();
    await push(repo, await diskFiles(['README.md']));
    expect(server.isPrivate(repo)).toBe(false);
    expect((await fetch(`${server.url}/${repo}/resolve/main/README.md`)).status).toBe(200);
  });

  it('refuses to push what was asked private into an existing public repository', async () => {
    const repo = newRepo();
    await push(repo, await diskFiles(['README.md']));
    const before = server.commits(repo).length;
    await expect(push(repo, await diskFiles(['imatrix.gguf']), { private: true })).rejects.toThrow(`${repo}: exists and is public; --private was asked`);
    expect(server.commits(repo)).toHaveLength(before);
  });
});

describe('refusals', () => {
  it('a token without rights to the namespace: a clear error, no repository', async () => {
    const repo = newRepo();
    await expect(pushToHub({ repo, token: OTHER_TOKEN, endpoint: server.url, files: await diskFiles(['README.md']), fetch: uploadFetch(), retryPolicy: FAST_RETRY }))
      .rejects.toThrow(`${repo}: creating the repository: the token may not write to ${repo} (HTTP 403)`);
    expect(server.isPrivate(repo)).toBeUndefined();
  });

  it('a wrong token and a missing one', async () => {
    await expect(push(newRepo(), await diskFiles(['README.md']), { token: 'hf_nobody' })).rejects.toThrow('the token was not accepted (HTTP 401)');
    await expect(push(newRepo(), await diskFiles(['README.md']), { token: '' })).rejects.toThrow('needs a write token (HF_TOKEN)');
  });

  it('bad repository names and paths, before any request', async () => {
    await expect(push('no-owner', await diskFiles(['README.md']))).rejects.toThrow('expected owner/name');
    await expect(push('me/x', [{ path: '../etc/passwd', content: new Blob(['x']) }])).rejects.toThrow('not a file path inside a repository');
    await expect(push('me/x', [{ path: 'a', content: new Blob(['x']) }, { path: 'a', content: new Blob(['y']) }])).rejects.toThrow('a: given twice');
    expect(server.requests).toHaveLength(0);
  });

  it('the Hub refuses a commit whose LFS object was never uploaded, and changes nothing', async () => {
    const repo = newRepo();
    await push(repo, await diskFiles(['README.md']));
    const before = server.commits(repo).length;
    const body = [
      { key: 'header', value: { summary: 'sneaky' } },
      { key: 'lfsFile', value: { path: 'ghost.gguf', algo: 'sha256', size: 10, oid: 'a'.repeat(64) } },
      { key: 'file', value: { path: 'x.txt', content: Buffer.from('x').toString('base64'), encoding: 'base64' } },
    ].map((l) => JSON.stringify(l)).join('\n');
    const r = await fetch(`${server.url}/api/models/${repo}/commit/main`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' } });
    expect(r.status).toBe(422);
    expect(await r.text()).toContain('ghost.gguf');
    expect(server.commits(repo)).toHaveLength(before);
    expect((await fetch(`${server.url}/${repo}/resolve/main/x.txt`)).status).toBe(404);
  });
});

describe('faults during the upload', () => {
  it('a connection cut inside a part is retried: that part is sent again, not the file', async () => {
    const repo = newRepo();
    server.faults.push({ kind: 'upload-cut', part: 3, afterBytes: 100_000 });
    const retries: string[] = [];
    const big = await fresh('model-Q4_K_M.gguf', BIG);
    await push(repo, [big.file, ...(await diskFiles(['README.md']))], { onRetry: (r) => retries.push(`${r.path}: ${r.reason}`) });
    const puts = server.requests.filter((r) => r.method === 'PUT').map((r) => r.path.split('/').pop());
    expect(puts.filter((p) => p === '3')).toHaveLength(2);
    expect(puts.filter((p) => p === '1')).toHaveLength(1);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/^model-Q4_K_M\.gguf: connection failed/);
    expect(sha256(await download(repo, 'model-Q4_K_M.gguf'))).toBe(sha256(big.bytes));
    expect(await server.pendingUploadFiles()).toEqual([]);
  });

  it('a 500 on a part and on a one-PUT upload are retried', async () => {
    const repo = newRepo();
    server.faults.push({ kind: 'upload-status', part: 2, status: 500 }, { kind: 'upload-status', part: 0, status: 503 });
    const big = await fresh('model-Q4_K_M.gguf', BIG);
    const small = await fresh('imatrix.gguf', 5000);
    await push(repo, [big.file, small.file]);
    expect(server.requests.filter((r) => r.method === 'PUT' && r.status >= 500)).toHaveLength(2);
    expect(sha256(await download(repo, 'model-Q4_K_M.gguf'))).toBe(sha256(big.bytes));
    expect(sha256(await download(repo, 'imatrix.gguf'))).toBe(sha256(small.bytes));
  });

  it('an upload cut every time: a clear error naming the file and repository, no commit, nothing half-stored', async () => {
    const repo = newRepo();
    await push(repo, await diskFiles(['README.md']));
    const before = server.commitOf(repo);
    server.requests.length = 0;
    server.faults.push({ kind: 'upload-cut', part: 2, afterBytes: 50_000, times: Infinity });
    const big = await fresh('model-Q4_K_M.gguf', BIG);
    const error = await push(repo, [big.file, ...(await diskFiles(['recipe.json']))]).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^model-Q4_K_M\\.gguf → ${repo}: uploading model-Q4_K_M\\.gguf \\(from byte ${CHUNK}\\) failed 3 times \\(last: connection failed`));
    expect((error as Error).message).toContain(`nothing was committed, ${repo} is as it was`);
    expect(server.commitOf(repo)).toBe(before);
    expect(server.requests.some((r) => r.path.includes('/commit/'))).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(await server.pendingUploadFiles()).not.toContain(expect.stringMatching(/\.2$/));
    expect(await server.storedObjects()).not.toContain(sha256(big.bytes));
    expect((await fetch(`${server.url}/${repo}/resolve/main/recipe.json`)).status).toBe(404);

    // Pushed again without the fault: complete.
    server.faults.length = 0;
    await push(repo, [big.file, ...(await diskFiles(['recipe.json']))]);
    expect(sha256(await download(repo, 'model-Q4_K_M.gguf'))).toBe(sha256(big.bytes));
  });

  it('a failed multipart completion: no commit', async () => {
    const repo = newRepo();
    server.faults.push({ kind: 'complete-status', status: 500, times: Infinity });
    await expect(push(repo, [(await fresh('m.gguf', BIG)).file])).rejects.toThrow(/completing a multipart upload failed 3 times \(last: HTTP 500\); nothing was committed/);
    expect(server.commits(repo).map((c) => c.summary)).toEqual(['initial commit']);
  });

  it('a commit the Hub fails (500) is not retried: an error, nothing committed; a 503 is retried', async () => {
    const repo = newRepo();
    server.faults.push({ kind: 'commit-status', status: 500 });
    await expect(push(repo, await diskFiles(['imatrix.gguf', 'README.md']))).rejects.toThrow(`${repo}: pushing: ${server.url} answered HTTP 500`);
    expect(server.commits(repo)).toHaveLength(1);
    server.faults.push({ kind: 'commit-status', status: 503 });
    await push(repo, await diskFiles(['imatrix.gguf', 'README.md']));
    expect(server.commits(repo)).toHaveLength(2);
  });

  it('an abort stops the push before the commit', async () => {
    const repo = newRepo();
    const controller = new AbortController();
    const pushing = push(repo, [(await fresh('m.gguf', BIG)).file], {
      signal: controller.signal,
      onProgress: (p) => { if (p.phase === 'uploading' && p.uploadedBytes > 0) controller.abort(); },
    });
    await expect(pushing).rejects.toThrow();
    expect(server.commits(repo)).toHaveLength(1);
  });
});
