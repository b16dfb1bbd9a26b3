// A local stand-in for the Hugging Face Hub (node:http on 127.0.0.1, random ports: the Hub and a
// "CDN", another origin) for @huggingface/hub and our own clients: startHubServer and its options.
// The endpoints are in hub-server-read.ts and hub-server-write.ts, the injectable faults in hub-server-faults.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HubFault } from './hub-server-faults.ts';
import { sendJson } from './hub-server-http.ts';
import { createReadSide } from './hub-server-read.ts';
import { createHubRepos, type HubCommitRecord, type HubRepoSpec } from './hub-server-repos.ts';
import { createWriteSide, type HubWriteOptions } from './hub-server-write.ts';

export type { HubFault } from './hub-server-faults.ts';
export type { HubCommitRecord, HubRepoSpec } from './hub-server-repos.ts';
export type { HubWriteOptions } from './hub-server-write.ts';

export interface HubServerOptions {
  repos: Record<string, HubRepoSpec>;
  /** Injected faults (connection cut, truncated body, 5xx, 429 + Retry-After, flipped byte, upload faults). */
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

/**
 * Serves `options.repos` from their folders (gated repos: 401 without a token, 403 with one that
 * has not accepted the licence) and, with `write`, takes pushes (private repos answer 401 to
 * anyone but their tokens and the write tokens of their namespace). Every request is logged.
 */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const faults = options.faults ?? [];
  const requests: HubRequestLog[] = [];
  const repos = createHubRepos(options.repos, options.isLfs);
  const read = createReadSide({ repos, faults, bytesPerSecond: options.bytesPerSecond, writeTokens: options.write?.tokens });
  const write = options.write ? await createWriteSide({ options: options.write, repos, faults }) : null;

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
  const cdn = serve('cdn', async (req, res) => (write && (await write.handleCdn(req, res))) || read.handleCdn(req, res));
  const cdnUrl = await listen(cdn);
  const hub = serve('hub', async (req, res) => (write && (await write.handleHub(req, res))) || read.handleHub(req, res, cdnUrl));
  const url = await listen(hub);
  if (write) write.setUrls(url, cdnUrl);
  const closeServer = (s: http.Server) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
  return {
    url, cdnUrl, faults, requests,
    commitOf: repos.commitOf,
    commits: (repo) => repos.written.get(repo)?.commits ?? [],
    isPrivate: (repo) => (repos.specs[repo] ? repos.specs[repo]!.private === true : undefined),
    storedObjects: async () => (write ? await write.storedObjects() : []),
    pendingUploadFiles: async () => (write ? await write.pendingUploadFiles() : []),
    close: async () => {
      await Promise.all([closeServer(hub), closeServer(cdn)]);
    },
  };
}
