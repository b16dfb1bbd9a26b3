// Publishing to the Hugging Face Hub: create the repository (private if asked), then upload every
// file in ONE commit with @huggingface/hub's commit protocol (preupload, LFS batch, basic or
// multipart PUTs, NDJSON commit). Pure of DOM and Node: the studio passes Files, the CLI passes
// file-backed Blobs (fs.openAsBlob) and a fetch that streams PUT bodies (upload-fetch.node.ts),
// so no file is ever held whole in memory.
//
// What this adds to the library:
// - the token goes only to the endpoint's origin (tokenScopedFetch); the LFS storage URLs get none;
// - PUTs of file bytes (a whole object or one multipart part) and the idempotent JSON calls are
//   retried on dropped connections, 5xx and 429 (with Retry-After), so a cut upload resumes at
//   the part it was cut in; a second push skips the objects the storage already has;
// - the commit is the last request and is made only once every object is stored, so a failure
//   anywhere before it leaves the repository as it was (the Hub refuses a commit whose LFS
//   objects are missing); the commit itself is retried only when the Hub said it did not run it;
// - errors name the file, the repository and what to do;
// - progress in bytes: hashed, then uploaded (per part).
// Xet is not used (useXet: false): the LFS protocol is what the tests exercise, and the Hub
// accepts it for every model repository.
import { commitIter, createRepo, type CommitOperation } from '@huggingface/hub';
import { HubError } from './hub-errors.ts';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfterMs, sleep, type RetryPolicy } from './retry-policy.ts';
import { tokenScopedFetch, type FetchLike } from './token-scoped-fetch.ts';

export const DEFAULT_PUSH_ENDPOINT = 'https://huggingface.co';

export interface PushFile {
  /** The path in the repository ("model-Q4_K_M.gguf", "README.md"). */
  path: string;
  /** A File, a file-backed Blob (fs.openAsBlob) or a small in-memory Blob. */
  content: Blob;
}

export interface PushProgress {
  phase: 'creating' | 'preuploading' | 'hashing' | 'uploading' | 'committing' | 'done';
  /** The file the event is about, when there is one. */
  path?: string;
  /** Over all files: bytes hashed and bytes whose upload was acknowledged (per request). */
  hashedBytes: number;
  uploadedBytes: number;
  totalBytes: number;
}

export interface PushRetry {
  path: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface PushOptions {
  /** owner/name */
  repo: string;
  /** A write token (hf_…). Sent to `endpoint` only. */
  token: string;
  endpoint?: string;
  /** Create the repository private. An existing public repository is refused rather than written. */
  private?: boolean;
  files: PushFile[];
  commitTitle?: string;
  commitDescription?: string;
  /** The fetch to send through; in Node, pass uploadFetch() so that PUT bodies stream. */
  fetch?: FetchLike;
  signal?: AbortSignal;
  onProgress?: (p: PushProgress) => void;
  onRetry?: (r: PushRetry) => void;
  retryPolicy?: RetryPolicy;
}

export interface PushResult {
  repoUrl: string;
  /** Whether this push created the repository (false: it existed). */
  created: boolean;
  commitOid: string;
  commitUrl: string;
}

const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** Throws, saying the expected form, unless `repo` is owner/name. */
export function checkPushRepo(repo: string): void {
  const parts = repo.split('/');
  if (parts.length !== 2 || !parts.every((p) => REPO_NAME.test(p) && !p.includes('..') && !p.endsWith('.git'))) {
    throw new HubError(`"${repo}" is not a repository to push to: expected owner/name (letters, digits, ".", "_", "-")`);
  }
}

function checkPaths(files: PushFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (!f.path || f.path.startsWith('/') || f.path.split('/').some((s) => s === '' || s === '.' || s === '..') || /[\\\0]/.test(f.path)) {
      throw new HubError(`${JSON.stringify(f.path)}: not a file path inside a repository`);
    }
    if (seen.has(f.path)) throw new HubError(`${f.path}: given twice; each file in a repository needs its own name`);
    seen.add(f.path);
  }
}

/** What a request is about, for retries and error messages. */
interface RequestRole {
  what: string;
  /** The file whose bytes this request carries (a PUT), for progress. */
  file?: string;
  /** May be sent again after a dropped connection (it changes nothing twice). */
  idempotent: boolean;
  isCommit: boolean;
}

function describeStatus(status: number, repo: string, endpoint: string, hasToken: boolean): string {
  if (status === 401) return hasToken ? `the token was not accepted (HTTP 401) by ${endpoint}; give a write token (HF_TOKEN)` : `authentication needed (HTTP 401); give a write token (HF_TOKEN)`;
  if (status === 403) return `the token may not write to ${repo} (HTTP 403): give a token with write access to that namespace`;
  if (status === 404) return `${repo}: not found at ${endpoint} (HTTP 404)`;
  return `${endpoint} answered HTTP ${status}`;
}

/**
 * Pushes `files` to `repo` in one commit, creating the repository first if it does not exist.
 * Nothing is committed unless every file was uploaded.
 */
export async function pushToHub(options: PushOptions): Promise<PushResult> {
  checkPushRepo(options.repo);
  checkPaths(options.files);
  if (options.files.length === 0) throw new HubError(`nothing to push to ${options.repo}`);
  if (!options.token) throw new HubError(`pushing to ${options.repo} needs a write token (HF_TOKEN)`);
  if (!options.token.startsWith('hf_')) throw new HubError(`the token for ${options.repo} does not look like a Hugging Face token (they start with "hf_")`);
  const endpoint = (options.endpoint ?? DEFAULT_PUSH_ENDPOINT).replace(/\/+$/, '');
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const signal = options.signal;
  signal?.throwIfAborted();

  const totalBytes = options.files.reduce((a, f) => a + f.content.size, 0);
  const hashed = new Map<string, number>();
  const uploaded = new Map<string, number>();
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const report = (phase: PushProgress['phase'], path?: string) =>
    options.onProgress?.({ phase, ...(path === undefined ? {} : { path }), hashedBytes: sum(hashed), uploadedBytes: sum(uploaded), totalBytes });

  // Blobs handed to the library, and the slices it cuts from them for multipart parts, by file.
  const blobFile = new WeakMap<Blob, { path: string; offset: number }>();
  const tracked = options.files.map((f) => {
    const content = trackingBlob(f.content, f.path, blobFile);
    blobFile.set(content, { path: f.path, offset: 0 });
    return { path: f.path, content };
  });

  const roleOf = (url: string, init: RequestInit): RequestRole => {
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.body;
    if (method === 'PUT' && body instanceof Blob) {
      const tag = blobFile.get(body);
      return { what: `uploading ${tag?.path ?? 'a file'}${tag && tag.offset > 0 ? ` (from byte ${tag.offset})` : ''}`, file: tag?.path, idempotent: true, isCommit: false };
    }
    const path = new URL(url).pathname;
    if (/\/commit\//.test(path)) return { what: 'committing', idempotent: false, isCommit: true };
    if (/\/preupload\//.test(path)) return { what: 'asking how to upload', idempotent: true, isCommit: false };
    if (/\/info\/lfs\/objects\/batch$/.test(path)) return { what: 'asking where to upload', idempotent: true, isCommit: false };
    if (method === 'POST' && /complete/.test(path + new URL(url).search)) return { what: 'completing a multipart upload', idempotent: true, isCommit: false };
    if (/\/api\/repos\/create$/.test(path)) return { what: 'creating the repository', idempotent: false, isCommit: false };
    return { what: `${method} ${path}`, idempotent: method === 'GET' || method === 'HEAD', isCommit: false };
  };

  const scoped = tokenScopedFetch(options.fetch ?? globalThis.fetch.bind(globalThis), endpoint, options.token);
  const retrying: FetchLike = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const role = roleOf(url, init);
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      let reason: string;
      try {
        response = await scoped(url, init);
      } catch (error) {
        if (signal?.aborted || (error as Error).name === 'AbortError') throw error;
        const cause = (error as Error & { cause?: Error }).cause;
        reason = `connection failed (${cause?.message ?? (error as Error).message})`;
        if (role.isCommit) {
          throw new HubError(`${options.repo}: the connection dropped while committing (${reason}); the commit may or may not have been made: look at ${endpoint}/${options.repo} before pushing again`);
        }
        if (!role.idempotent) throw new HubError(`${options.repo}: ${role.what}: ${reason}`);
      }
      if (response) {
        if (response.ok || !isRetryableStatus(response.status)) {
          if (response.ok && role.file) {
            uploaded.set(role.file, (uploaded.get(role.file) ?? 0) + (init.body as Blob).size);
            report('uploading', role.file);
          }
          return response;
        }
        // The Hub answering 5xx to a commit may have made it; only a refusal to start is retried.
        if (role.isCommit && ![429, 503].includes(response.status)) return response;
        reason = `HTTP ${response.status}`;
      }
      if (attempt >= policy.maxAttempts) {
        const target = role.file ? `${role.file} → ${options.repo}` : options.repo;
        throw new HubError(
          `${target}: ${role.what} failed ${attempt} times (last: ${reason!}); nothing was committed, ${options.repo} is as it was. ` +
            `Run the push again: the files already stored are not sent twice`,
          response?.status,
        );
      }
      const retryAfter = response ? parseRetryAfterMs(response.headers.get('retry-after')) : null;
      await response?.body?.cancel().catch(() => {});
      const delayMs = backoffMs(policy, attempt, retryAfter);
      options.onRetry?.({ path: role.file ?? role.what, attempt, delayMs, reason: reason! });
      await sleep(delayMs, signal);
    }
  }) as FetchLike;

  // 1. The repository.
  report('creating');
  let created = true;
  try {
    await createRepo({ repo: { type: 'model', name: options.repo }, accessToken: options.token, hubUrl: endpoint, fetch: retrying, ...(options.private ? { private: true } : {}) });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 409) throw pushError(error, options.repo, endpoint, 'creating the repository');
    created = false;
    // It exists: never put what was asked to be private into a public repository.
    if (options.private) {
      const info = await retrying(`${endpoint}/api/models/${options.repo}`, { signal });
      if (!info.ok) throw new HubError(`${options.repo}: exists, and its visibility could not be read: ${describeStatus(info.status, options.repo, endpoint, true)}`);
      const body = (await info.json()) as { private?: boolean };
      if (body.private !== true) throw new HubError(`${options.repo}: exists and is public; --private was asked, so nothing was pushed (make it private on the Hub, or push to a new name)`);
    }
  }
  signal?.throwIfAborted();

  // 2. Everything in one commit.
  const operations: CommitOperation[] = tracked.map((f) => ({ operation: 'addOrUpdate', path: f.path, content: f.content }));
  try {
    const iterator = commitIter({
      repo: { type: 'model', name: options.repo },
      accessToken: options.token,
      hubUrl: endpoint,
      operations,
      title: options.commitTitle ?? `Upload ${options.files.length === 1 ? options.files[0]!.path : `${options.files.length} files`} with quant-studio`,
      ...(options.commitDescription ? { description: options.commitDescription } : {}),
      fetch: retrying,
      abortSignal: signal,
      useXet: false,
    });
    for (;;) {
      const step = await iterator.next();
      if (step.done) {
        const out = step.value;
        if (!out) throw new HubError(`${options.repo}: the Hub answered the commit without a commit id`);
        report('done');
        return { repoUrl: `${endpoint}/${options.repo}`, created, commitOid: out.commit.oid, commitUrl: out.commit.url };
      }
      const event = step.value;
      if (event.event === 'phase') {
        report(event.phase === 'preuploading' ? 'preuploading' : event.phase === 'committing' ? 'committing' : 'uploading');
      } else if (event.state === 'hashing') {
        const size = tracked.find((f) => f.path === event.path)?.content.size ?? 0;
        hashed.set(event.path, Math.round(event.progress * size));
        report('hashing', event.path);
      } else if (event.state === 'error') {
        throw new HubError(`${event.path}: the upload to ${options.repo} failed`);
      }
    }
  } catch (error) {
    throw pushError(error, options.repo, endpoint, 'pushing');
  }
}

/** A Blob over `inner` (no copy) whose slices (the multipart parts) remember their file. */
function trackingBlob(inner: Blob, path: string, tags: WeakMap<Blob, { path: string; offset: number }>): Blob {
  const blob = new Blob([inner], { type: inner.type });
  const slice = blob.slice.bind(blob);
  // The library cuts parts with content.slice(start, end): tag them so a PUT names its file.
  Object.defineProperty(blob, 'slice', {
    value: (start?: number, end?: number, type?: string) => {
      const part = slice(start, end, type);
      tags.set(part, { path, offset: Math.max(0, start ?? 0) });
      return part;
    },
  });
  return blob;
}

function pushError(error: unknown, repo: string, endpoint: string, doing: string): Error {
  if (error instanceof HubError) return error;
  const e = error as Error & { statusCode?: number; name?: string };
  if (e.name === 'AbortError') return e;
  if (typeof e.statusCode === 'number') {
    const detail = e.message && !/^Api error with status/.test(e.message) ? `: ${e.message}` : '';
    const committed = doing === 'pushing' ? '; nothing was committed' : '';
    return new HubError(`${repo}: ${doing}: ${describeStatus(e.statusCode, repo, endpoint, true)}${detail}${committed}`, e.statusCode);
  }
  return new HubError(`${repo}: ${doing}: ${e.message ?? String(error)}`);
}

