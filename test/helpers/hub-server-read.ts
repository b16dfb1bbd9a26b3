// The Hub stand-in's read side: model info, file trees, resolve (small files direct, LFS files
// redirected to the CDN) and the CDN's bytes with Range support, gating, faults and a bandwidth limit.
import { open } from 'node:fs/promises';
import type http from 'node:http';
import { takeDownloadFault, type HubFault } from './hub-server-faults.ts';
import { sendError, sendJson } from './hub-server-http.ts';
import { fixedCommitOf, hashFile, type FileInfo, type HubRepos } from './hub-server-repos.ts';

const CHUNK = 256 * 1024;

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

export interface ReadSideOptions {
  repos: HubRepos;
  faults: HubFault[];
  /** Shared by all connections; unlimited when undefined. */
  bytesPerSecond: number | undefined;
  /** The write side's token -> namespaces: those tokens may also read private repos of their namespaces. */
  writeTokens: Record<string, string[]> | undefined;
}

/**
 * The read endpoints:
 *   GET /api/models/<repo>                          model info ("sha", "private", "gated")
 *   GET /api/models/<repo>/revision/<rev>           model info with "sha" (the commit) and siblings
 *   GET /api/models/<repo>/tree/<rev>[/<path>]      file listing, LFS sha256 in "lfs.oid"
 *   GET /<repo>/resolve/<rev>/<file>                small files directly; LFS files 302 to the CDN
 *   GET <cdn>/lfs/<sha256>?repo=&file=              the bytes, with Range support
 */
export function createReadSide({ repos, faults, bytesPerSecond, writeTokens }: ReadSideOptions) {
  const throttle = new Throttle(bytesPerSecond);
  const { specs, commitOf, listing } = repos;

  const serveBytes = async (req: http.IncomingMessage, res: http.ServerResponse, file: FileInfo, headers: Record<string, string>) => {
    const range = parseRange(req.headers.range, file.size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${file.size}` });
      return res.end();
    }
    const { start, end } = range ?? { start: 0, end: file.size - 1 };
    const length = end - start + 1;
    const fault = takeDownloadFault(faults, file.name, length);
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

  const canRead = (repo: string, authorization: string | undefined): boolean => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) return false;
    if ((specs[repo]?.tokens ?? []).includes(token)) return true;
    return (writeTokens?.[token] ?? []).includes(repo.split('/')[0]!);
  };

  const handleHub = async (req: http.IncomingMessage, res: http.ServerResponse, cdnUrl: string) => {
    const url = new URL(req.url!, 'http://hub');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const api = parts[0] === 'api' && parts[1] === 'models';
    const [owner, name] = api ? [parts[2], parts[3]] : [parts[0], parts[1]];
    const repo = `${owner}/${name}`;
    const spec = specs[repo];
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
    if (!specs[repo]) return sendError(res, 404, 'NotFound', 'no such object');
    const file = (await listing(repo)).find((f) => f.name === fileName);
    if (!file) return sendError(res, 404, 'NotFound', 'no such object');
    return serveBytes(req, res, file, { etag: `"${url.pathname.split('/').pop()}"` });
  };

  return { handleHub, handleCdn };
}
