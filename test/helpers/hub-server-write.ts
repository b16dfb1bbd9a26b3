// The Hub stand-in's write side (with `write`): repository creation, preupload, LFS batch, basic and
// multipart uploads streamed to disk, and atomic commits; upload faults are taken here.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { takeUploadFault, type HubFault } from './hub-server-faults.ts';
import { readBody, sendError, sendJson } from './hub-server-http.ts';
import { fixedCommitOf, type HubCommitRecord, type HubRepos } from './hub-server-repos.ts';

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

interface Upload {
  oid: string;
  size: number;
  /** 0 for a one-PUT upload, else the number of parts. */
  parts: number;
  chunkSize: number;
  etags: Map<number, string>;
}

export interface WriteSideOptions {
  options: HubWriteOptions;
  repos: HubRepos;
  faults: HubFault[];
}

const GITATTRIBUTES = [
  '*.7z', '*.bin', '*.gguf', '*.h5', '*.onnx', '*.pt', '*.pth', '*.safetensors', '*.tar.*', '*.zip',
].map((p) => `${p} filter=lfs diff=lfs merge=lfs -text`).join('\n') + '\n';
const REGULAR_LIMIT = 10 << 20;

/**
 * The upload endpoints that @huggingface/hub's createRepo and commit use:
 *   POST /api/repos/create                          name, organization, private/visibility
 *   POST /api/models/<repo>/preupload/<rev>         lfs or regular, per file
 *   POST /<repo>.git/info/lfs/objects/batch         per object: nothing (stored already), one PUT
 *                                                   ("basic") or parts + a completion URL ("multipart")
 *   PUT  <cdn>/upload/<id>[/<part>]                 the bytes, streamed to disk (sha256 checked)
 *   POST /api/complete_multipart?uploadId=<id>      joins the parts (etags checked)
 *   POST /api/models/<repo>/commit/<rev>            NDJSON; refused whole if an LFS object is missing
 * Commits are atomic: a new snapshot folder is built aside and swapped in; a refused or failed
 * commit changes nothing. Writes need a token of `options.tokens` for the repo's namespace.
 */
export async function createWriteSide({ options, repos, faults }: WriteSideOptions) {
  const { specs, written, isLfs, commitOf } = repos;
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
  await mkdir(incoming, { recursive: true });

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
    specs[repo] = { ...specs[repo]!, dir };
    return oid;
  };

  const createRepo = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { name?: string; organization?: string; type?: string; private?: boolean; visibility?: string };
    const namespace = body.organization ?? '';
    if (!body.name || !namespace) return sendError(res, 400, 'BadRequest', 'name and organization are required');
    if (body.type && body.type !== 'model') return sendError(res, 400, 'BadRequest', 'only model repositories here');
    if (!writer(req, res, namespace)) return;
    const repo = `${namespace}/${body.name}`;
    if (specs[repo]) return sendJson(res, 409, { error: 'You already created this model repo', url: `${hubUrl}/${repo}` });
    const isPrivate = body.visibility ? body.visibility !== 'public' : body.private === true;
    specs[repo] = { dir: '', private: isPrivate };
    written.set(repo, { commits: [], lfsPaths: new Set() });
    await commitSnapshot(repo, 'initial commit', { regular: new Map([['.gitattributes', Buffer.from(GITATTRIBUTES)]]), lfs: new Map(), deleted: new Set() });
    return sendJson(res, 200, { url: `${hubUrl}/${repo}`, name: repo, id: fixedCommitOf(`id:${repo}`).slice(0, 24) });
  };

  const writableRepo = (req: http.IncomingMessage, res: http.ServerResponse, repo: string, rev?: string): boolean => {
    if (!writer(req, res, repo.split('/')[0]!)) return false;
    if (!written.has(repo)) {
      sendError(res, specs[repo] ? 403 : 404, specs[repo] ? 'Forbidden' : 'RepoNotFound', specs[repo] ? `${repo} is read-only here` : `Repository Not Found: ${repo}`);
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
      files: body.files.map((f) => ({ path: f.path, uploadMode: isLfs(f.path) || f.size >= REGULAR_LIMIT ? 'lfs' : 'regular', shouldIgnore: false })),
      commitOid: commitOf(repo),
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
      const cut = takeUploadFault(faults, 'upload-cut', part);
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
    const status = takeUploadFault(faults, 'upload-status', part);
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
    const status = takeUploadFault(faults, 'complete-status');
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
    if (parentCommit && parentCommit !== commitOf(repo)) return sendError(res, 412, 'PreconditionFailed', 'parentCommit is not the head');
    const missing: string[] = [];
    for (const [p, o] of changes.lfs) if (!(await hasObject(o.oid, o.size))) missing.push(p);
    if (missing.length > 0) {
      return sendError(res, 422, 'LfsObjectMissing', `Your push was rejected because an LFS pointer pointed to a file that does not exist. Offending file(s): ${missing.join(', ')}`);
    }
    const status = takeUploadFault(faults, 'commit-status');
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
    /** sha256 of every LFS object stored. */
    storedObjects: async () => (await readdir(lfsDir).catch(() => [])).sort(),
    /** Files of unfinished uploads (parts, partial bodies) still on disk. */
    pendingUploadFiles: () => readdir(incoming).catch(() => []),
  };
}

function randomId(): string {
  return createHash('sha1').update(`${Math.random()}:${performance.now()}`).digest('hex').slice(0, 20);
}
