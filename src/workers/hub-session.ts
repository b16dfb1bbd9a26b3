// The export worker's connection to a Hub model: the Hub ModelFiles (pinned to the commit the
// first open resolved), optionally behind the OPFS cache. A cancelled or failed export closes
// it (that stops the requests in flight); the next export reconnects at the same commit.
import type { ModelFiles } from '../core/bytes-io.ts';
import { openHubModelFiles, type HubDownloadProgress, type HubModelFiles } from '../io/hub/index.ts';
import { nobleSha256 } from '../io/hub/index.ts';
import { cachedModelFiles, type CachedModelFiles } from '../io/opfs-cache.ts';

export interface HubOpenRequest {
  repo: string;
  /** Branch, tag or commit; "main" when empty. */
  revision?: string;
  endpoint: string;
  /** Kept in the worker's memory only, sent only to `endpoint`. */
  token?: string;
  /** Read and write the OPFS cache. */
  useCache: boolean;
}

export interface HubPin {
  repo: string;
  /** What the user asked for ("main" by default). */
  revision: string;
  commit: string;
  endpoint: string;
}

/** What the page shows about the bytes of a Hub model while they arrive. */
export type DownloadEvent =
  | { kind: 'network'; progress: HubDownloadProgress }
  | { kind: 'cache'; file: string; bytes: number }
  | { kind: 'retry'; file: string; attempt: number; delayMs: number; reason: string }
  | { kind: 'cache-problem'; file: string; message: string };

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
  ) {}

  /** Resolves the revision (first call) or reuses the pinned commit, and returns the files to read. */
  async files(signal?: AbortSignal): Promise<ModelFiles> {
    if (this.connection) return this.connection.files;
    const hub = await openHubModelFiles({
      repo: this.request.repo,
      revision: this.pin?.commit ?? (this.request.revision || undefined),
      endpoint: this.request.endpoint,
      token: this.request.token || undefined,
      fetch: globalFetch,
      signal,
      onProgress: (progress) => this.emit({ kind: 'network', progress }),
      onRetry: (r) => this.emit({ kind: 'retry', file: r.name, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason }),
    });
    this.pin ??= { repo: hub.repo, revision: this.request.revision || 'main', commit: hub.commit, endpoint: hub.endpoint };
    let cache: CachedModelFiles | null = null;
    if (this.request.useCache) {
      cache = await cachedModelFiles(hub, { endpoint: hub.endpoint, repo: hub.repo, commit: hub.commit }, nobleSha256, {
        onCacheRead: (file, bytes) => this.emit({ kind: 'cache', file, bytes }),
        onCacheProblem: (file, message) => this.emit({ kind: 'cache-problem', file, message }),
      });
    }
    this.connection = { hub, cache, files: cache ?? hub };
    return this.connection.files;
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
