// A worker's connection to a Hub model: the Hub ModelFiles (pinned to the commit the first open
// resolved), optionally behind the OPFS cache. A cancelled or failed export closes it (that
// stops the requests in flight); the next export reconnects at the same commit. The export
// worker reads and writes the cache; the calibrate and evaluate workers only read its completed
// files (see io/opfs-cache-reader.ts for why they never write it).
import type { ModelFiles } from '../core/bytes-io.ts';
import { openHubModelFiles, type HubDownloadProgress, type HubModelFiles } from '../io/hub/index.ts';
import { nobleSha256 } from '../io/hub/index.ts';
import { cachedModelFiles, type CachedModelFiles } from '../io/opfs-cache.ts';
import { readOnlyCachedModelFiles } from '../io/opfs-cache-reader.ts';
import { ggufModelView } from '../core/model/plan-gguf.ts';

export interface HubOpenRequest {
  repo: string;
  /** Branch, tag or commit; "main" when empty. */
  revision?: string;
  endpoint: string;
  /** Kept in the worker's memory only, sent only to `endpoint`. */
  token?: string;
  /** Read and write the OPFS cache. */
  useCache: boolean;
  /** One GGUF model of a repo of several (its file, or any shard of a split one). */
  file?: string;
}

export interface HubPin {
  repo: string;
  /** What the user asked for ("main" by default). */
  revision: string;
  commit: string;
  endpoint: string;
  /** The GGUF opened in a repo of several. */
  file?: string;
}

/** What the page shows about the bytes of a Hub model while they arrive. */
export type DownloadEvent =
  | { kind: 'network'; progress: HubDownloadProgress }
  | { kind: 'cache'; file: string; bytes: number }
  | { kind: 'retry'; file: string; attempt: number; delayMs: number; reason: string }
  | { kind: 'cache-problem'; file: string; message: string };

export interface HubSessionOptions {
  /** With `request.useCache`: 'read-write' (the export worker, the default) or 'read-only'. */
  cacheAccess?: 'read-write' | 'read-only';
  /** Open at this commit (another worker's pin) instead of resolving `request.revision`. */
  commit?: string;
}

interface Connection {
  hub: HubModelFiles;
  cache: CachedModelFiles | null;
  files: ModelFiles;
}

/** The global fetch, called unbound (a method call on another object throws "Illegal invocation"). */
const globalFetch: typeof fetch = (input, init) => fetch(input, init);

export class HubSession {
  private connection: Connection | null = null;
  pin: HubPin | null = null;

  constructor(
    private readonly request: HubOpenRequest,
    private readonly emit: (event: DownloadEvent) => void,
    private readonly options: HubSessionOptions = {},
  ) {}

  /** Resolves the revision (first call) or reuses the pinned commit, and returns the files to read. */
  async files(signal?: AbortSignal): Promise<ModelFiles> {
    if (this.connection) return this.connection.files;
    const hub = await openHubModelFiles({
      repo: this.request.repo,
      revision: this.pin?.commit ?? this.options.commit ?? (this.request.revision || undefined),
      endpoint: this.request.endpoint,
      token: this.request.token || undefined,
      fetch: globalFetch,
      signal,
      onProgress: (progress) => this.emit({ kind: 'network', progress }),
      onRetry: (r) => this.emit({ kind: 'retry', file: r.name, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason }),
    });
    if (this.options.commit && hub.commit !== this.options.commit) {
      await hub.close();
      throw new Error(`${hub.repo}: asked for commit ${this.options.commit}, ${hub.endpoint} answered with ${hub.commit}`);
    }
    this.pin ??= { repo: hub.repo, revision: this.request.revision || 'main', commit: hub.commit, endpoint: hub.endpoint, ...(this.request.file ? { file: this.request.file } : {}) };
    let cache: CachedModelFiles | null = null;
    if (this.request.useCache) {
      const key = { endpoint: hub.endpoint, repo: hub.repo, commit: hub.commit };
      const events = {
        onCacheRead: (file: string, bytes: number) => this.emit({ kind: 'cache', file, bytes }),
        onCacheProblem: (file: string, message: string) => this.emit({ kind: 'cache-problem', file, message }),
      };
      cache = this.options.cacheAccess === 'read-only'
        ? await readOnlyCachedModelFiles(hub, key, events)
        : await cachedModelFiles(hub, key, nobleSha256, events);
    }
    const files = cache ?? hub;
    this.connection = { hub, cache, files: this.request.file ? ggufModelView(files, this.request.file) : files };
    return this.connection.files;
  }

  /** A new export of the open model: its download counts from zero (the headers read at open are not its bytes). */
  restartProgress(): void {
    this.connection?.hub.restartProgress();
  }

  /** The export read everything: its download shows complete. */
  finishProgress(): void {
    this.connection?.hub.finishProgress();
  }

  /** Checks every file the export read against its sha256 (reading what it skipped). */
  verify(): Promise<void> {
    return this.connection?.hub.verify() ?? Promise.resolve();
  }

  /** After a verified export: completes and marks the cached copies. */
  async commitCache(): Promise<void> {
    await this.connection?.cache?.commit();
  }

  /** Stops requests in flight and releases cache locks; the next `files()` reconnects. */
  async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    await connection.hub.close();
    await connection.cache?.close();
  }
}
