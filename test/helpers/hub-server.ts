// A local stand-in for the Hugging Face Hub (node:http on 127.0.0.1, random ports), serving model
// folders from disk with the Hub's URL layout and the responses @huggingface/hub expects:
//   GET /api/models/<repo>/revision/<rev>           model info with "sha" (the commit)
//   GET /api/models/<repo>/tree/<rev>[/<path>]      file listing, LFS sha256 in "lfs.oid"
//   GET /<repo>/resolve/<rev>/<file>                small files directly; LFS files 302 to the
//                                                   "CDN" (a second server, another origin)
//   GET <cdn>/lfs/<sha256>?repo=&file=              the bytes, with Range support
// plus injected faults (connection cut, truncated body, 5xx, 429 + Retry-After, flipped byte),
// gated repos (401 without a token, 403 with one that has not accepted the licence) and a
// bandwidth limit shared by all connections. Every request is logged for assertions.
// With `write`, also the upload side that @huggingface/hub's createRepo and commit use:
//   POST /api/repos/create                          name, organization, private/visibility
//   GET  /api/models/<repo>                         model info ("private")
//   POST /api/models/<repo>/preupload/<rev>         lfs or regular, per file
//   POST /<repo>.git/info/lfs/objects/batch         per object: nothing (stored already), one PUT
//                                                   ("basic") or parts + a completion URL ("multipart")
//   PUT  <cdn>/upload/<id>[/<part>]                 the bytes, streamed to disk (sha256 checked)
//   POST /api/complete_multipart?uploadId=<id>      joins the parts (etags checked)
//   POST /api/models/<repo>/commit/<rev>            NDJSON; refused whole if an LFS object is missing
// Commits are atomic: a new snapshot folder is built aside and swapped in; a refused or failed
// commit changes nothing. Writes need a token of `write.tokens` for the repo's namespace;
// private repos answer 401 to anyone else. Upload faults: a cut connection, a status on a part,
// on the completion or on the commit.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface HubRepoSpec {
  dir: string;
  /** Tokens that have accepted the licence; with `gated`, requests without one are refused. */
  gated?: boolean;
  tokens?: string[];
  /** Only `tokens` (and write tokens of its namespace) may read it; others get 401. */
  private?: boolean;
}

export interface HubWriteOptions {
  /** Where uploaded objects, parts and committed snapshots are kept (a folder the test owns). */
  storeDir: string;
  /** token -> the namespaces it may create repositories in and push to. */
  tokens: Record<string, string[]>;
  /** Objects of this size or more are asked for in parts (multipart); default 64 MiB. */
  multipartThreshold?: number;
  /** The part size of multipart uploads; default 16 MiB. */
  chunkSize?: number;
}

export interface HubCommitRecord {
  oid: string;
  summary: string;
  /** Path -> size and, for LFS files, sha256. */
  files: Record<string, { size: number; lfs?: string }>;
}

export type HubFault =
  /** Destroys the connection after `afterBytes` bytes of the body (of a response longer than that). */
  | { kind: 'cut'; file: string; afterBytes: number; times?: number }
  /** Sends `afterBytes` bytes of a body whose Content-Length promises more, then closes. */
  | { kind: 'truncate'; file: string; afterBytes: number; times?: number }
  /** Answers with `status` (and Retry-After) instead of the bytes; `times: Infinity` is persistent. */
  | { kind: 'status'; file: string; status: number; retryAfter?: string; times?: number }
  /** Serves the file with one byte changed at `offset` (a corrupt transfer or a tampered CDN). */
  | { kind: 'flip-byte'; file: string; offset: number; times?: number }
  /** Upload side: destroys the connection after `afterBytes` bytes of an upload's body (part 0: a one-PUT upload). */
  | { kind: 'upload-cut'; afterBytes: number; part?: number; times?: number }
  /** Upload side: reads the body, then answers `status` instead of storing it. */
  | { kind: 'upload-status'; status: number; part?: number; times?: number }
  /** Answers `status` to the multipart completion (nothing joined). */
  | { kind: 'complete-status'; status: number; times?: number }
  /** Answers `status` to a commit (nothing committed). */
  | { kind: 'commit-status'; status: number; times?: number };

type DownloadFault = Extract<HubFault, { file: string }>;

export interface HubServerOptions {
  repos: Record<string, HubRepoSpec>;
  faults?: HubFault[];
  /** Shared by all connections; unlimited by default. */
  bytesPerSecond?: number;
  /** Files stored in LFS (redirected to the CDN, sha256 listed); default: *.safetensors, *.bin, *.gguf. */
  isLfs?: (file: string) => boolean;
  /** Accept uploads (repository creation, LFS, commits). */
  write?: HubWriteOptions;
}

export interface HubRequestLog {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
  /** -1 until the response finished (a cut connection stays -1). */
  status: number;
}

export interface HubServer {
  /** The endpoint (HF_ENDPOINT). */
  url: string;
  cdnUrl: string;
  /** Mutable: push faults between runs. */
  faults: HubFault[];
  requests: HubRequestLog[];
  /** The head commit of `repo` (a fixed id for the repos served from folders). */
  commitOf(repo: string): string;
  /** The commits made by pushes, oldest first (the creation's .gitattributes commit included). */
  commits(repo: string): HubCommitRecord[];
  /** Whether the repo was created private (undefined: no such repo). */
  isPrivate(repo: string): boolean | undefined;
  /** sha256 of every LFS object stored. */
  storedObjects(): Promise<string[]>;
  /** Files of unfinished uploads (parts, partial bodies) still on disk. */
  pendingUploadFiles(): Promise<string[]>;
  close(): Promise<void>;
}

const CHUNK = 256 * 1024;
const defaultIsLfs = (file: string) => /\.(safetensors|bin|gguf|pt|pth)$/.test(file);

function fixedCommitOf(repo: string): string {
  return createHash('sha1').update(`commit:${repo}`).digest('hex');
}

class Throttle {
  private next = 0;
  constructor(private readonly bytesPerSecond: number | undefined) {}
  async take(bytes: number): Promise<void> {
    if (!this.bytesPerSecond) return;
    const now = performance.now();
    this.next = Math.max(this.next, now - 20) + (bytes * 1000) / this.bytesPerSecond;
    const wait = this.next - now;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
}

interface FileInfo {
  name: string;
  fullPath: string;
  size: number;
  lfs: boolean;
}

async function listDir(dir: string, isLfs: (f: string) => boolean): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const fullPath = path.join(entry.parentPath, entry.name);
    const name = path.relative(dir, fullPath).split(path.sep).join('/');
    out.push({ name, fullPath, size: (await stat(fullPath)).size, lfs: isLfs(name) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const hashCache = new Map<string, Promise<string>>();
function hashFile(fullPath: string, algorithm: 'sha256' | 'git-sha1', size: number): Promise<string> {
  const key = `${algorithm}:${fullPath}:${size}`;
  let p = hashCache.get(key);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const h = algorithm === 'sha256' ? createHash('sha256') : createHash('sha1').update(`blob ${size}\0`);
      createReadStream(fullPath, { highWaterMark: 4 << 20 })
        .on('data', (d) => h.update(d))
        .on('error', reject)
        .on('end', () => resolve(h.digest('hex')));
    });
    hashCache.set(key, p);
  }
  return p;
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

function waitForDrain(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    // A client that has already hung up will never drain: don't wait (the file handle closes).
    if (res.destroyed || res.closed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: message }, { 'x-error-code': code, 'x-error-message': message });
}

export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const isLfs = options.isLfs ?? defaultIsLfs;
  const faults = options.faults ?? [];
  const requests: HubRequestLog[] = [];
  const throttle = new Throttle(options.bytesPerSecond);
  const repos: Record<string, HubRepoSpec> = { ...options.repos };
  const written = new Map<string, WrittenRepo>();
  const commitOf = (repo: string) => written.get(repo)?.commits.at(-1)?.oid ?? fixedCommitOf(repo);
  const listings = new Map<string, Promise<FileInfo[]>>();
  const listing = (repo: string) => {
    const dir = repos[repo]!.dir;
    let p = listings.get(dir);
    const lfsPaths = written.get(repo)?.lfsPaths;
    if (!p) listings.set(dir, (p = listDir(dir, lfsPaths ? (f) => lfsPaths.has(f) : isLfs)));
    return p;
  };

  /**
   * The first fault that matches `file` and still has uses left (it is used up here). A cut or a
   * truncation only applies to a response longer than its `afterBytes` (else it would cut nothing).
   */
  const takeFault = (file: string, length: number): DownloadFault | null => {
    const fault = faults.find(
      (f): f is DownloadFault => 'file' in f && f.file === file && (f.times ?? 1) > 0 && ((f.kind !== 'cut' && f.kind !== 'truncate') || length > f.afterBytes),
    );
    if (!fault) return null;
    fault.times = (fault.times ?? 1) - 1;
    return fault;
  };

  const serveBytes = async (req: http.IncomingMessage, res: http.ServerResponse, file: FileInfo, headers: Record<string, string>) => {
    const range = parseRange(req.headers.range, file.size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${file.size}` });
      return res.end();
    }
    const { start, end } = range ?? { start: 0, end: file.size - 1 };
    const length = end - start + 1;
    const fault = takeFault(file.name, length);
    if (fault?.kind === 'status') {
      return sendJson(res, fault.status, { error: `injected ${fault.status}` }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }
    res.writeHead(range ? 206 : 200, {
      'content-length': String(length),
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${file.size}` } : {}),
      ...headers,
    });
    if (req.method === 'HEAD') return res.end();
    const limit = fault?.kind === 'cut' || fault?.kind === 'truncate' ? Math.min(fault.afterBytes, length) : length;
    const handle = await open(file.fullPath, 'r');
    try {
      let sent = 0;
      while (sent < limit) {
        if (res.destroyed) return;
        const n = Math.min(CHUNK, limit - sent);
        const buffer = Buffer.alloc(n);
        await handle.read(buffer, 0, n, start + sent);
        if (fault?.kind === 'flip-byte' && fault.offset >= start + sent && fault.offset < start + sent + n) {
          buffer[fault.offset - start - sent]! ^= 0xff;
        }
        await throttle.take(n);
        if (!res.write(buffer)) await waitForDrain(res);
        sent += n;
      }
    } finally {
      await handle.close();
    }
    if (fault?.kind === 'cut') res.destroy();
    else if (fault?.kind === 'truncate') res.socket?.end();
    else res.end();
  };

  const handleHub = async (req: http.IncomingMessage, res: http.ServerResponse, cdnUrl: string) => {
    const url = new URL(req.url!, 'http://hub');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const api = parts[0] === 'api' && parts[1] === 'models';
    const [owner, name] = api ? [parts[2], parts[3]] : [parts[0], parts[1]];
    const repo = `${owner}/${name}`;
    const spec = repos[repo];
    if (!spec) return sendError(res, 404, 'RepoNotFound', `Repository Not Found for url: ${url.pathname}`);
    if (spec.private && !canRead(repo, req.headers.authorization)) {
      return sendError(res, 401, 'RepoNotFound', `Repository Not Found for url: ${url.pathname}. Please make sure you specified the correct repo id and are authenticated.`);
    }
    if (spec.gated) {
      const auth = req.headers.authorization;
      if (!auth) return sendError(res, 401, 'GatedRepo', `Access to model ${repo} is restricted. You must be authenticated to access it.`);
      if (!(spec.tokens ?? []).some((t) => auth === `Bearer ${t}`)) {
        return sendError(res, 403, 'GatedRepo', `Access to model ${repo} is restricted and you are not in the authorized list. Visit ${url.origin}/${repo} to ask for access.`);
      }
    }
    const commit = commitOf(repo);
    const kind = api ? parts[4] : parts[2];
    const rev = api ? parts[5] : parts[3];
    if (api && kind === undefined && req.method === 'GET') {
      return sendJson(res, 200, { _id: fixedCommitOf(`id:${repo}`).slice(0, 24), id: repo, modelId: repo, sha: commit, private: spec.private === true, gated: spec.gated ? 'manual' : false });
    }
    if (rev !== 'main' && rev !== commit && rev !== 'HEAD') return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const files = await listing(repo);

    if (api && kind === 'revision') {
      return sendJson(res, 200, {
        _id: fixedCommitOf(`id:${repo}`).slice(0, 24), id: repo, modelId: repo, sha: commit, private: spec.private === true, gated: spec.gated ? 'manual' : false,
        downloads: 0, likes: 0, lastModified: '2025-01-01T00:00:00.000Z', siblings: files.map((f) => ({ rfilename: f.name })),
      });
    }
    if (api && kind === 'tree') {
      const prefix = parts.slice(6).join('/');
      const recursive = url.searchParams.get('recursive') === 'true';
      const selected = files.filter((f) => (prefix ? f.name.startsWith(`${prefix}/`) : true) && (recursive || !f.name.slice(prefix ? prefix.length + 1 : 0).includes('/')));
      const body = await Promise.all(
        selected.map(async (f) => ({
          type: 'file', path: f.name, size: f.size, oid: await hashFile(f.fullPath, 'git-sha1', f.size),
          ...(f.lfs ? { lfs: { oid: await hashFile(f.fullPath, 'sha256', f.size), size: f.size, pointerSize: 134 } } : {}),
        })),
      );
      return sendJson(res, 200, body);
    }
    if (!api && kind === 'resolve') {
      const fileName = parts.slice(4).join('/');
      const file = files.find((f) => f.name === fileName);
      if (!file) return sendError(res, 404, 'EntryNotFound', `${fileName} does not exist on "${rev}"`);
      const gitOid = await hashFile(file.fullPath, 'git-sha1', file.size);
      if (!file.lfs) return serveBytes(req, res, file, { etag: `"${gitOid}"`, 'x-repo-commit': commit });
      const sha256 = await hashFile(file.fullPath, 'sha256', file.size);
      res.writeHead(302, {
        location: `${cdnUrl}/lfs/${sha256}?repo=${encodeURIComponent(repo)}&file=${encodeURIComponent(file.name)}`,
        etag: `"${gitOid}"`, 'x-repo-commit': commit, 'x-linked-etag': `"${sha256}"`, 'x-linked-size': String(file.size),
        'content-length': '0',
      });
      return res.end();
    }
    return sendError(res, 404, 'EntryNotFound', `no route for ${url.pathname}`);
  };

  const handleCdn = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url!, 'http://cdn');
    const repo = url.searchParams.get('repo') ?? '';
    const fileName = url.searchParams.get('file') ?? '';
    if (!repos[repo]) return sendError(res, 404, 'NotFound', 'no such object');
    const file = (await listing(repo)).find((f) => f.name === fileName);
    if (!file) return sendError(res, 404, 'NotFound', 'no such object');
    return serveBytes(req, res, file, { etag: `"${url.pathname.split('/').pop()}"` });
  };

  const canRead = (repo: string, authorization: string | undefined): boolean => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) return false;
    if ((repos[repo]?.tokens ?? []).includes(token)) return true;
    return (options.write?.tokens[token] ?? []).includes(repo.split('/')[0]!);
  };
  const write = options.write
    ? createWriteSide({ options: options.write, repos, written, faults, listings, isLfs, commitOf })
    : null;
  if (write) await mkdir(path.join(write.storeDir, 'incoming'), { recursive: true });

  const serve = (which: 'hub' | 'cdn', handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown>) =>
    http.createServer((req, res) => {
      // Logged on arrival (so a test sees what reached the server even if the client hung up).
      const entry: HubRequestLog = {
        server: which, method: req.method ?? 'GET', path: req.url ?? '', range: req.headers.range ?? null,
        authorization: req.headers.authorization ?? null, status: -1,
      };
      requests.push(entry);
      res.on('finish', () => (entry.status = res.statusCode));
      handler(req, res).catch((error: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: error.message });
        else res.destroy(error);
      });
    });

  const listen = (server: http.Server) =>
    new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  const cdn = serve('cdn', async (req, res) => (write && (await write.handleCdn(req, res))) || handleCdn(req, res));
  const cdnUrl = await listen(cdn);
  const hub = serve('hub', async (req, res) => (write && (await write.handleHub(req, res))) || handleHub(req, res, cdnUrl));
  const url = await listen(hub);
  if (write) write.setUrls(url, cdnUrl);
  const closeServer = (s: http.Server) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
  return {
    url, cdnUrl, faults, requests,
    commitOf,
    commits: (repo) => written.get(repo)?.commits ?? [],
    isPrivate: (repo) => (repos[repo] ? repos[repo]!.private === true : undefined),
    storedObjects: async () => (write ? (await readdir(path.join(write.storeDir, 'lfs')).catch(() => [])).sort() : []),
    pendingUploadFiles: async () => (write ? await readdir(path.join(write.storeDir, 'incoming')).catch(() => []) : []),
    close: async () => {
      await Promise.all([closeServer(hub), closeServer(cdn)]);
    },
  };
}


// ---- The upload side ----------------------------------------------------------------------

interface WrittenRepo {
  commits: HubCommitRecord[];
  /** Paths of the head snapshot stored in LFS. */
  lfsPaths: Set<string>;
}

interface Upload {
  oid: string;
  size: number;
  /** 0 for a one-PUT upload, else the number of parts. */
  parts: number;
  chunkSize: number;
  etags: Map<number, string>;
}

interface WriteContext {
  options: HubWriteOptions;
  repos: Record<string, HubRepoSpec>;
  written: Map<string, WrittenRepo>;
  faults: HubFault[];
  listings: Map<string, Promise<FileInfo[]>>;
  isLfs: (file: string) => boolean;
  commitOf: (repo: string) => string;
}

const GITATTRIBUTES = [
  '*.7z', '*.bin', '*.gguf', '*.h5', '*.onnx', '*.pt', '*.pth', '*.safetensors', '*.tar.*', '*.zip',
].map((p) => `${p} filter=lfs diff=lfs merge=lfs -text`).join('\n') + '\n';
const MAX_JSON_BODY = 64 << 20;
const REGULAR_LIMIT = 10 << 20;

async function readBody(req: http.IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw Object.assign(new Error(`body over ${limit} bytes`), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function createWriteSide(ctx: WriteContext) {
  const { options, repos, written, faults } = ctx;
  const storeDir = options.storeDir;
  const lfsDir = path.join(storeDir, 'lfs');
  const incoming = path.join(storeDir, 'incoming');
  const snapshots = path.join(storeDir, 'snapshots');
  const threshold = options.multipartThreshold ?? 64 << 20;
  const chunkSize = options.chunkSize ?? 16 << 20;
  const uploads = new Map<string, Upload>();
  let hubUrl = '';
  let cdnUrl = '';
  let sequence = 0;

  const takeFault = <K extends HubFault['kind']>(kind: K, part?: number): Extract<HubFault, { kind: K }> | null => {
    const fault = faults.find((f) => f.kind === kind && (f.times ?? 1) > 0 && (!('part' in f) || f.part === undefined || f.part === part));
    if (!fault) return null;
    fault.times = (fault.times ?? 1) - 1;
    return fault as Extract<HubFault, { kind: K }>;
  };

  /** The namespaces the request's token may write, or a refusal already sent. */
  const writer = (req: http.IncomingMessage, res: http.ServerResponse, namespace: string): boolean => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !options.tokens[token]) {
      sendError(res, 401, 'Unauthorized', 'Invalid credentials in Authorization header');
      return false;
    }
    if (!options.tokens[token]!.includes(namespace)) {
      sendError(res, 403, 'Forbidden', `You don't have the rights to write to the namespace "${namespace}"`);
      return false;
    }
    return true;
  };

  const objectPath = (oid: string) => path.join(lfsDir, oid);
  const hasObject = async (oid: string, size: number) => (await stat(objectPath(oid)).catch(() => null))?.size === size;

  /** Builds the snapshot of a new commit aside, then swaps it in: readers see the old or the new. */
  const commitSnapshot = async (
    repo: string, summary: string,
    changes: { regular: Map<string, Buffer>; lfs: Map<string, { oid: string; size: number }>; deleted: Set<string> },
  ): Promise<string> => {
    const state = written.get(repo)!;
    const parent = state.commits.at(-1);
    const files: HubCommitRecord['files'] = { ...(parent?.files ?? {}) };
    for (const p of changes.deleted) delete files[p];
    for (const [p, content] of changes.regular) files[p] = { size: content.length };
    for (const [p, o] of changes.lfs) files[p] = { size: o.size, lfs: o.oid };
    const oid = createHash('sha1').update(`${parent?.oid ?? ''}\n${summary}\n${JSON.stringify(files)}\n${sequence++}`).digest('hex');
    const dir = path.join(snapshots, oid);
    const building = `${dir}.building`;
    await mkdir(building, { recursive: true });
    const previous = parent ? path.join(snapshots, parent.oid) : null;
    for (const [p, info] of Object.entries(files)) {
      const target = path.join(building, ...p.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      if (info.lfs) await link(objectPath(info.lfs), target);
      else if (changes.regular.has(p)) await writeFile(target, changes.regular.get(p)!);
      else await link(path.join(previous!, ...p.split('/')), target);
    }
    await rename(building, dir);
    state.commits.push({ oid, summary, files });
    state.lfsPaths = new Set(Object.entries(files).filter(([, f]) => f.lfs).map(([p]) => p));
    repos[repo] = { ...repos[repo]!, dir };
    return oid;
  };

  const createRepo = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { name?: string; organization?: string; type?: string; private?: boolean; visibility?: string };
    const namespace = body.organization ?? '';
    if (!body.name || !namespace) return sendError(res, 400, 'BadRequest', 'name and organization are required');
    if (body.type && body.type !== 'model') return sendError(res, 400, 'BadRequest', 'only model repositories here');
    if (!writer(req, res, namespace)) return;
    const repo = `${namespace}/${body.name}`;
    if (repos[repo]) return sendJson(res, 409, { error: 'You already created this model repo', url: `${hubUrl}/${repo}` });
    const isPrivate = body.visibility ? body.visibility !== 'public' : body.private === true;
    repos[repo] = { dir: '', private: isPrivate };
    written.set(repo, { commits: [], lfsPaths: new Set() });
    await commitSnapshot(repo, 'initial commit', { regular: new Map([['.gitattributes', Buffer.from(GITATTRIBUTES)]]), lfs: new Map(), deleted: new Set() });
    return sendJson(res, 200, { url: `${hubUrl}/${repo}`, name: repo, id: fixedCommitOf(`id:${repo}`).slice(0, 24) });
  };

  const writableRepo = (req: http.IncomingMessage, res: http.ServerResponse, repo: string, rev?: string): boolean => {
    if (!writer(req, res, repo.split('/')[0]!)) return false;
    if (!written.has(repo)) {
      sendError(res, repos[repo] ? 403 : 404, repos[repo] ? 'Forbidden' : 'RepoNotFound', repos[repo] ? `${repo} is read-only here` : `Repository Not Found: ${repo}`);
      return false;
    }
    if (rev !== undefined && rev !== 'main') {
      sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      return false;
    }
    return true;
  };

  const preupload = async (req: http.IncomingMessage, res: http.ServerResponse, repo: string, rev: string) => {
    if (!writableRepo(req, res, repo, rev)) return;
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { files: { path: string; size: number; sample: string }[] };
    return sendJson(res, 200, {
      files: body.files.map((f) => ({ path: f.path, uploadMode: ctx.isLfs(f.path) || f.size >= REGULAR_LIMIT ? 'lfs' : 'regular', shouldIgnore: false })),
      commitOid: ctx.commitOf(repo),
    });
  };

  const batch = async (req: http.IncomingMessage, res: http.ServerResponse, repo: string) => {
    if (!writableRepo(req, res, repo)) return;
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { operation: string; transfers?: string[]; objects: { oid: string; size: number }[] };
    if (body.operation !== 'upload') return sendError(res, 400, 'BadRequest', 'only uploads here');
    const multipart = body.transfers?.includes('multipart') ?? false;
    const objects = await Promise.all(body.objects.map(async (o) => {
      if (!/^[0-9a-f]{64}$/.test(o.oid) || !Number.isSafeInteger(o.size) || o.size < 0) {
        return { oid: o.oid, size: o.size, error: { code: 422, message: 'invalid object' } };
      }
      if (await hasObject(o.oid, o.size)) return { oid: o.oid, size: o.size };
      const id = randomId();
      if (multipart && o.size >= threshold) {
        const parts = Math.ceil(o.size / chunkSize);
        uploads.set(id, { oid: o.oid, size: o.size, parts, chunkSize, etags: new Map() });
        const header: Record<string, string> = { chunk_size: String(chunkSize) };
        for (let i = 1; i <= parts; i++) header[String(i).padStart(5, '0')] = `${cdnUrl}/upload/${id}/${i}`;
        return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${hubUrl}/api/complete_multipart?uploadId=${id}`, header, expires_in: 86400 } } };
      }
      uploads.set(id, { oid: o.oid, size: o.size, parts: 0, chunkSize: o.size, etags: new Map() });
      return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${cdnUrl}/upload/${id}`, expires_in: 86400 } } };
    }));
    res.setHeader('x-request-id', randomId());
    return sendJson(res, 200, { transfer: 'basic', objects }, { 'content-type': 'application/vnd.git-lfs+json' });
  };

  /** Streams one upload body to `file`, hashing it; null when the client went away or a fault cut it. */
  const receive = (req: http.IncomingMessage, file: string, part: number): Promise<{ bytes: number; sha256: string; md5: string } | null> =>
    new Promise((resolve, reject) => {
      const cut = takeFault('upload-cut', part);
      const sha = createHash('sha256');
      const md5 = createHash('md5');
      const out = createWriteStream(file);
      let bytes = 0;
      let gone = false;
      const abandon = () => {
        if (gone) return;
        gone = true;
        out.destroy();
        rm(file, { force: true }).then(() => resolve(null), reject);
      };
      out.on('error', abandon);
      req.on('aborted', abandon);
      req.on('error', abandon);
      req.on('close', () => { if (!req.complete) abandon(); });
      req.on('data', (chunk: Buffer) => {
        if (gone) return;
        if (cut && bytes + chunk.length > cut.afterBytes) {
          req.socket.destroy();
          return abandon();
        }
        bytes += chunk.length;
        sha.update(chunk);
        md5.update(chunk);
        if (!out.write(chunk)) {
          req.pause();
          out.once('drain', () => req.resume());
        }
      });
      req.on('end', () => {
        if (gone) return;
        out.end(() => resolve({ bytes, sha256: sha.digest('hex'), md5: md5.digest('hex') }));
      });
    });

  const put = async (req: http.IncomingMessage, res: http.ServerResponse, id: string, part: number) => {
    const upload = uploads.get(id);
    if (!upload || (upload.parts === 0) !== (part === 0) || part > upload.parts) return sendError(res, 404, 'NoSuchUpload', 'no such upload');
    const expected = part === 0 ? upload.size : Math.min(upload.chunkSize, upload.size - (part - 1) * upload.chunkSize);
    const file = path.join(incoming, `${id}.${part}`);
    const got = await receive(req, file, part);
    if (!got) return;
    const status = takeFault('upload-status', part);
    if (status) {
      await rm(file, { force: true });
      return sendError(res, status.status, 'InternalError', `injected ${status.status}`);
    }
    if (got.bytes !== expected) {
      await rm(file, { force: true });
      return sendError(res, 400, 'IncompleteBody', `expected ${expected} bytes, got ${got.bytes}`);
    }
    if (part === 0) {
      if (got.sha256 !== upload.oid) {
        await rm(file, { force: true });
        return sendError(res, 400, 'BadDigest', `sha256 ${got.sha256} is not ${upload.oid}`);
      }
      await mkdir(lfsDir, { recursive: true });
      await rename(file, objectPath(upload.oid));
      uploads.delete(id);
      res.writeHead(200, { etag: `"${got.md5}"`, 'content-length': '0' });
      return res.end();
    }
    upload.etags.set(part, `"${got.md5}"`);
    res.writeHead(200, { etag: `"${got.md5}"`, 'content-length': '0' });
    return res.end();
  };

  const complete = async (req: http.IncomingMessage, res: http.ServerResponse, id: string) => {
    const upload = uploads.get(id);
    if (!upload || upload.parts === 0) return sendError(res, 404, 'NoSuchUpload', 'no such upload');
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { oid: string; parts: { partNumber: number; etag: string }[] };
    const status = takeFault('complete-status');
    if (status) return sendError(res, status.status, 'InternalError', `injected ${status.status}`);
    if (body.oid !== upload.oid || body.parts.length !== upload.parts) return sendError(res, 400, 'InvalidPart', 'parts do not match the upload');
    for (const p of body.parts) {
      if (upload.etags.get(p.partNumber) !== p.etag) return sendError(res, 400, 'InvalidPart', `part ${p.partNumber}: etag ${p.etag} not uploaded`);
    }
    const joined = path.join(incoming, `${id}.joined`);
    const sha = createHash('sha256');
    const out = await open(joined, 'w');
    try {
      for (let i = 1; i <= upload.parts; i++) {
        for await (const chunk of createReadStream(path.join(incoming, `${id}.${i}`), { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
          sha.update(chunk);
          await out.write(chunk);
        }
      }
    } finally {
      await out.close();
    }
    for (let i = 1; i <= upload.parts; i++) await rm(path.join(incoming, `${id}.${i}`), { force: true });
    const digest = sha.digest('hex');
    if (digest !== upload.oid) {
      await rm(joined, { force: true });
      return sendError(res, 400, 'BadDigest', `sha256 ${digest} is not ${upload.oid}`);
    }
    await mkdir(lfsDir, { recursive: true });
    await rename(joined, objectPath(upload.oid));
    uploads.delete(id);
    return sendJson(res, 200, {});
  };

  const commit = async (req: http.IncomingMessage, res: http.ServerResponse, repo: string, rev: string) => {
    if (!writableRepo(req, res, repo, rev)) return;
    const lines = (await readBody(req)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
    const changes = { regular: new Map<string, Buffer>(), lfs: new Map<string, { oid: string; size: number }>(), deleted: new Set<string>() };
    let summary = '';
    let parentCommit: string | undefined;
    for (const line of lines) {
      const { key, value } = JSON.parse(line) as { key: string; value: Record<string, unknown> };
      if (key === 'header') {
        summary = String(value.summary ?? '');
        parentCommit = value.parentCommit as string | undefined;
      } else if (key === 'file') {
        changes.regular.set(String(value.path), Buffer.from(String(value.content), value.encoding === 'base64' ? 'base64' : 'utf8'));
      } else if (key === 'lfsFile') {
        changes.lfs.set(String(value.path), { oid: String(value.oid), size: Number(value.size) });
      } else if (key === 'deletedFile') {
        changes.deleted.add(String(value.path));
      } else {
        return sendError(res, 400, 'BadRequest', `unknown operation ${key}`);
      }
    }
    if (!summary) return sendError(res, 400, 'BadRequest', 'a commit needs a summary');
    if (parentCommit && parentCommit !== ctx.commitOf(repo)) return sendError(res, 412, 'PreconditionFailed', 'parentCommit is not the head');
    const missing: string[] = [];
    for (const [p, o] of changes.lfs) if (!(await hasObject(o.oid, o.size))) missing.push(p);
    if (missing.length > 0) {
      return sendError(res, 422, 'LfsObjectMissing', `Your push was rejected because an LFS pointer pointed to a file that does not exist. Offending file(s): ${missing.join(', ')}`);
    }
    const status = takeFault('commit-status');
    if (status) return sendError(res, status.status, 'InternalError', `injected ${status.status}`);
    const oid = await commitSnapshot(repo, summary, changes);
    return sendJson(res, 200, { success: true, commitOid: oid, commitUrl: `${hubUrl}/${repo}/commit/${oid}`, hookOutput: '' });
  };

  const guard = (res: http.ServerResponse, work: Promise<unknown>) =>
    work.then(() => true, (error: Error & { status?: number }) => {
      if (!res.headersSent) sendError(res, error.status ?? (error instanceof SyntaxError ? 400 : 500), 'BadRequest', error.message);
      return true;
    });

  return {
    storeDir,
    setUrls(hub: string, cdn: string) {
      hubUrl = hub;
      cdnUrl = cdn;
    },
    /** True when the request was one of the upload side's. */
    async handleHub(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
      const url = new URL(req.url!, 'http://hub');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (req.method !== 'POST') return false;
      if (url.pathname === '/api/repos/create') return guard(res, createRepo(req, res));
      if (url.pathname === '/api/complete_multipart') return guard(res, complete(req, res, url.searchParams.get('uploadId') ?? ''));
      if (parts[0] === 'api' && parts[1] === 'models' && parts.length === 6 && parts[4] === 'preupload') return guard(res, preupload(req, res, `${parts[2]}/${parts[3]}`, parts[5]!));
      if (parts[0] === 'api' && parts[1] === 'models' && parts.length === 6 && parts[4] === 'commit') return guard(res, commit(req, res, `${parts[2]}/${parts[3]}`, parts[5]!));
      if (parts.length === 6 && parts[1]!.endsWith('.git') && parts.slice(2).join('/') === 'info/lfs/objects/batch') {
        return guard(res, batch(req, res, `${parts[0]}/${parts[1]!.slice(0, -4)}`));
      }
      return false;
    },
    async handleCdn(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
      const parts = new URL(req.url!, 'http://cdn').pathname.split('/').filter(Boolean);
      if (req.method !== 'PUT' || parts[0] !== 'upload' || parts.length < 2 || parts.length > 3) return false;
      return guard(res, put(req, res, parts[1]!, parts.length === 3 ? Number(parts[2]) : 0));
    },
  };
}

function randomId(): string {
  return createHash('sha1').update(`${Math.random()}:${performance.now()}`).digest('hex').slice(0, 20);
}
