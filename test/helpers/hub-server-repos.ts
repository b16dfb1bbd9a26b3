// The repositories the Hub stand-in serves, shared by its read and write sides: their specs and
// folders, the commits pushed to them, and the listings and hashes (git sha1, sha256) of their files.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface HubRepoSpec {
  dir: string;
  /** Tokens that have accepted the licence; with `gated`, requests without one are refused. */
  gated?: boolean;
  tokens?: string[];
  /** Only `tokens` (and write tokens of its namespace) may read it; others get 401. */
  private?: boolean;
}

export interface HubCommitRecord {
  oid: string;
  summary: string;
  /** Path -> size and, for LFS files, sha256. */
  files: Record<string, { size: number; lfs?: string }>;
}

/** A repository created by a push: its commits, and which paths of its head are in LFS. */
export interface WrittenRepo {
  commits: HubCommitRecord[];
  /** Paths of the head snapshot stored in LFS. */
  lfsPaths: Set<string>;
}

export interface FileInfo {
  name: string;
  fullPath: string;
  size: number;
  lfs: boolean;
}

/** The repositories and what both sides need to know about them. */
export interface HubRepos {
  /** owner/name -> spec; a commit points the spec's `dir` at its new snapshot. */
  specs: Record<string, HubRepoSpec>;
  written: Map<string, WrittenRepo>;
  isLfs: (file: string) => boolean;
  /** The head commit (a fixed id for the repos served from folders). */
  commitOf(repo: string): string;
  /** The files of the repo's folder, listed once per folder. */
  listing(repo: string): Promise<FileInfo[]>;
}

const defaultIsLfs = (file: string) => /\.(safetensors|bin|gguf|pt|pth)$/.test(file);

/** A stable id derived from `seed` (the commit of a repo served from a folder, repo ids). */
export function fixedCommitOf(seed: string): string {
  return createHash('sha1').update(`commit:${seed}`).digest('hex');
}

export function createHubRepos(specs: Record<string, HubRepoSpec>, isLfs: (file: string) => boolean = defaultIsLfs): HubRepos {
  const copy: Record<string, HubRepoSpec> = { ...specs };
  const written = new Map<string, WrittenRepo>();
  const listings = new Map<string, Promise<FileInfo[]>>();
  return {
    specs: copy,
    written,
    isLfs,
    commitOf: (repo) => written.get(repo)?.commits.at(-1)?.oid ?? fixedCommitOf(repo),
    listing(repo) {
      const dir = copy[repo]!.dir;
      let p = listings.get(dir);
      const lfsPaths = written.get(repo)?.lfsPaths;
      if (!p) listings.set(dir, (p = listDir(dir, lfsPaths ? (f) => lfsPaths.has(f) : isLfs)));
      return p;
    },
  };
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
/** A file's sha256 or git blob sha1, computed once per path and size (for every server). */
export function hashFile(fullPath: string, algorithm: 'sha256' | 'git-sha1', size: number): Promise<string> {
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
