// ModelFiles for a Hugging Face Hub repo at a revision: the revision is resolved to a commit once
// and every request is pinned to it (a push during a long download cannot mix two versions).
// @huggingface/hub lists the files (with LFS sha256) and resolves the revision; the bytes are
// read here, by Range request, with retries, a bound on requests in flight, and verification.
import { listFiles, modelInfo } from '@huggingface/hub';
import type { ByteSink, ModelFiles } from '../../core/bytes-io.ts';
import { DownloadProgress, type HubDownloadProgress } from './download-progress.ts';
import { HubError, hubStatusError, type HubRepoRef } from './hub-errors.ts';
import { HubFileSource } from './hub-file-source.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import { Semaphore } from './semaphore.ts';
import { nobleSha256 } from './sha256.ts';
import { ContiguousHashVerifier, type HashFactory } from './sha256-verifier.ts';
import { tokenScopedFetch, type FetchLike } from './token-scoped-fetch.ts';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubModelOptions {
  /** "owner/name" (or a legacy single name). */
  repo: string;
  /** Branch, tag or commit; "main" by default. */
  revision?: string;
  endpoint?: string;
  /** Sent to `endpoint` only, never to a redirect target on another origin (the LFS CDN). */
  token?: string;
  /** Passed in (the browser's, Node's, or a test's); never taken from the global scope. */
  fetch: FetchLike;
  signal?: AbortSignal;
  onProgress?: (p: HubDownloadProgress) => void;
  onRetry?: (info: { name: string; attempt: number; delayMs: number; reason: string }) => void;
  /** HTTP requests in flight at once, over all files (default 4). */
  maxInFlight?: number;
  /** Reads are split into requests of at most this many bytes (default 16 MiB). */
  chunkBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** Default 30 s. */
  idleTimeoutMs?: number;
  /** Incremental SHA-256 (default: pure TS; Node may pass node:crypto's). */
  createHash?: HashFactory;
  /** Per file: bytes read ahead of the hashed prefix kept for hashing (default 256 MiB). */
  verifyBufferBytes?: number;
}

export interface HubFileEntry {
  path: string;
  size: number;
  /** The LFS object's sha256, when the file is stored in LFS (safetensors are). */
  sha256: string | null;
}

export interface HubModelFiles extends ModelFiles {
  readonly repo: string;
  readonly revision: string;
  /** The commit every request is pinned to. */
  readonly commit: string;
  readonly endpoint: string;
  readonly entries: readonly HubFileEntry[];
  /**
   * Checks every LFS file the reads touched against its sha256, reading whatever the verifier
   * could not see (see sha256-verifier.ts). Call it before trusting the output: `verifiedSink`.
   */
  verify(): Promise<void>;
  /** The next pass over the files (another export) reports its own bytes, from zero. */
  restartProgress(): void;
  /** The pass read all it needed: its last figures go out, complete. */
  finishProgress(): void;
  stats(): { bytesReceived: number; refetchedForVerification: number; peakHeldForVerification: number };
  /** Cancels reads in flight. */
  close(): Promise<void>;
}

function fileUrl(endpoint: string, repo: string, commit: string, path: string): string {
  return `${endpoint}/${repo}/resolve/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** @huggingface/hub throws HubApiError (statusCode) for HTTP failures. */
function statusOf(error: unknown): number | null {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : null;
}

async function resolveCommit(ref: HubRepoRef, fetch: FetchLike, hasToken: boolean): Promise<string> {
  if (/^[0-9a-f]{40}$/.test(ref.revision)) return ref.revision;
  try {
    const info = await modelInfo({ name: ref.repo, revision: ref.revision, hubUrl: ref.endpoint, fetch, additionalFields: ['sha'] });
    if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) {
      throw new HubError(`${ref.repo}@${ref.revision}: ${ref.endpoint} gave no commit hash for the revision`);
    }
    return info.sha;
  } catch (error) {
    const status = statusOf(error);
    if (status !== null) throw hubStatusError(status, ref, hasToken);
    throw error;
  }
}

async function listEntries(ref: HubRepoRef, commit: string, fetch: FetchLike, hasToken: boolean): Promise<HubFileEntry[]> {
  const entries: HubFileEntry[] = [];
  try {
    for await (const e of listFiles({ repo: { type: 'model', name: ref.repo }, revision: commit, recursive: true, hubUrl: ref.endpoint, fetch })) {
      if (e.type !== 'file') continue;
      entries.push({ path: e.path, size: e.lfs?.size ?? e.size, sha256: e.lfs?.oid ?? null });
    }
  } catch (error) {
    const status = statusOf(error);
    if (status !== null) throw hubStatusError(status, ref, hasToken);
    throw error;
  }
  return entries;
}

export async function openHubModelFiles(options: HubModelOptions): Promise<HubModelFiles> {
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const ref: HubRepoRef = { endpoint, repo: options.repo, revision: options.revision ?? 'main' };
  const hasToken = Boolean(options.token);
  const fetch = tokenScopedFetch(options.fetch, endpoint, options.token);
  const commit = await resolveCommit(ref, fetch, hasToken);
  const entries = await listEntries(ref, commit, fetch, hasToken);
  const pinned: HubRepoRef = { ...ref, revision: commit };

  const closed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, closed.signal]) : closed.signal;
  const context = { semaphore: new Semaphore(options.maxInFlight ?? 4), chunkBytes: options.chunkBytes ?? 16 << 20, signal };
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const progress = new DownloadProgress(options.onProgress);
  const createHash = options.createHash ?? nobleSha256;
  const byName = new Map(entries.map((e) => [e.path, e]));
  const sources = new Map<string, HubFileSource>();

  const open = (name: string): HubFileSource | undefined => {
    const existing = sources.get(name);
    if (existing) return existing;
    const entry = byName.get(name);
    if (!entry) return undefined;
    progress.addFile(name, entry.size);
    const verifier = entry.sha256
      ? new ContiguousHashVerifier(name, entry.size, entry.sha256, createHash(), options.verifyBufferBytes ?? 256 << 20)
      : null;
    const source = new HubFileSource(
      name,
      {
        name,
        url: fileUrl(endpoint, options.repo, commit, name),
        fileSize: entry.size,
        fetch,
        policy,
        idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
        statusError: (status) => hubStatusError(status, pinned, hasToken, name),
        onBytes: (count) => progress.received(name, count),
        onRetry: options.onRetry,
      },
      context,
      verifier,
    );
    sources.set(name, source);
    return source;
  };

  return {
    label: options.repo,
    repo: options.repo,
    revision: ref.revision,
    commit,
    endpoint,
    entries,
    names: () => entries.map((e) => e.path).sort(),
    open,
    async verify() {
      for (const source of sources.values()) {
        if (source.verifier?.touched) await source.verify();
      }
    },
    restartProgress: () => progress.restart(),
    finishProgress: () => progress.finish(),
    stats() {
      const verifiers = [...sources.values()].flatMap((s) => (s.verifier ? [s.verifier] : []));
      return {
        bytesReceived: progress.bytes,
        refetchedForVerification: verifiers.reduce((n, v) => n + v.refetchedBytes, 0),
        peakHeldForVerification: verifiers.reduce((n, v) => Math.max(n, v.peakHeldBytes), 0),
      };
    },
    async close() {
      closed.abort(new Error(`${options.repo}: closed`));
    },
  };
}

/**
 * A sink whose close() first verifies every file the export read; on a mismatch close() throws
 * without closing, and the export's error path aborts the sink, which removes the partial file.
 */
export function verifiedSink(sink: ByteSink, files: { verify(): Promise<void> }): ByteSink {
  return {
    write: (chunk) => sink.write(chunk),
    async close() {
      await files.verify();
      await sink.close();
    },
    abort: (reason) => sink.abort(reason),
  };
}
