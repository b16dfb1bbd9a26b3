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
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface HubRepoSpec {
  dir: string;
  /** Tokens that have accepted the licence; with `gated`, requests without one are refused. */
  gated?: boolean;
  tokens?: string[];
}

export type HubFault =
  /** Destroys the connection after `afterBytes` bytes of the body (of a response longer than that). */
  | { kind: 'cut'; file: string; afterBytes: number; times?: number }
  /** Sends `afterBytes` bytes of a body whose Content-Length promises more, then closes. */
  | { kind: 'truncate'; file: string; afterBytes: number; times?: number }
  /** Answers with `status` (and Retry-After) instead of the bytes; `times: Infinity` is persistent. */
  | { kind: 'status'; file: string; status: number; retryAfter?: string; times?: number }
  /** Serves the file with one byte changed at `offset` (a corrupt transfer or a tampered CDN). */
  | { kind: 'flip-byte'; file: string; offset: number; times?: number };

export interface HubServerOptions {
  repos: Record<string, HubRepoSpec>;
  faults?: HubFault[];
  /** Shared by all connections; unlimited by default. */
  bytesPerSecond?: number;
  /** Files stored in LFS (redirected to the CDN, sha256 listed); default: *.safetensors, *.bin, *.gguf. */
  isLfs?: (file: string) => boolean;
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
  commitOf(repo: string): string;
  close(): Promise<void>;
}

const CHUNK = 256 * 1024;
const defaultIsLfs = (file: string) => /\.(safetensors|bin|gguf|pt|pth)$/.test(file);

function commitOf(repo: string): string {
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
  const listings = new Map<string, Promise<FileInfo[]>>();
  const listing = (repo: string) => {
    let p = listings.get(repo);
    if (!p) listings.set(repo, (p = listDir(options.repos[repo]!.dir, isLfs)));
    return p;
  };

  /**
   * The first fault that matches `file` and still has uses left (it is used up here). A cut or a
   * truncation only applies to a response longer than its `afterBytes` (else it would cut nothing).
   */
  const takeFault = (file: string, length: number): HubFault | null => {
    const fault = faults.find(
      (f) => f.file === file && (f.times ?? 1) > 0 && ((f.kind !== 'cut' && f.kind !== 'truncate') || length > f.afterBytes),
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
    const spec = options.repos[repo];
    if (!spec) return sendError(res, 404, 'RepoNotFound', `Repository Not Found for url: ${url.pathname}`);
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
    if (rev !== 'main' && rev !== commit && rev !== 'HEAD') return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const files = await listing(repo);

    if (api && kind === 'revision') {
      return sendJson(res, 200, {
        _id: commitOf(`id:${repo}`).slice(0, 24), id: repo, modelId: repo, sha: commit, private: false, gated: spec.gated ? 'manual' : false,
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
    if (!options.repos[repo]) return sendError(res, 404, 'NotFound', 'no such object');
    const file = (await listing(repo)).find((f) => f.name === fileName);
    if (!file) return sendError(res, 404, 'NotFound', 'no such object');
    return serveBytes(req, res, file, { etag: `"${url.pathname.split('/').pop()}"` });
  };

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
  const cdn = serve('cdn', handleCdn);
  const cdnUrl = await listen(cdn);
  const hub = serve('hub', (req, res) => handleHub(req, res, cdnUrl));
  const url = await listen(hub);
  const closeServer = (s: http.Server) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
  return {
    url, cdnUrl, faults, requests,
    commitOf,
    close: async () => {
      await Promise.all([closeServer(hub), closeServer(cdn)]);
    },
  };
}
