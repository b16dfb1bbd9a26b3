// Output files for Node. Each is written to "<target>.partial" and renamed into place only when
// every file of its set is complete: a target never holds a half-written file, and a command
// that writes two files leaves both or neither. Partial paths are recorded process-wide so that a
// signal handler can remove them synchronously before the process exits (removePartialFilesSync).
import { closeSync, fdatasync, openSync, renameSync, rmSync, write } from 'node:fs';
import { promisify } from 'node:util';
import type { ByteSink } from '../core/bytes-io.ts';
import { describeFileError } from './node-system-error.node.ts';

const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);

const livePartials = new Set<string>();

/** Removes every partial file not yet renamed or removed; returns their paths. For signal handlers. */
export function removePartialFilesSync(): string[] {
  const removed = [...livePartials];
  for (const partial of removed) {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing more can be done while exiting.
    }
  }
  livePartials.clear();
  return removed;
}

class PartialFile {
  readonly partial: string;
  private fd: number | null;
  private state: 'writing' | 'finished' | 'done' = 'writing';

  constructor(readonly target: string) {
    this.partial = `${target}.partial`;
    // Synchronous, so a signal handler (also on this thread) never misses a file being created.
    // A leftover from a killed run is replaced; 'wx' never follows a symlink planted at the path.
    livePartials.add(this.partial);
    try {
      rmSync(this.partial, { force: true });
      this.fd = openSync(this.partial, 'wx');
    } catch (e) {
      livePartials.delete(this.partial);
      throw this.error(e);
    }
  }

  private error(e: unknown): Error {
    return describeFileError(`cannot write ${this.target}`, e);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'writing' || this.fd === null) throw new Error(`${this.target}: written after it was closed`);
    let done = 0;
    try {
      while (done < chunk.length) done += (await writeAsync(this.fd, chunk, done, chunk.length - done, null)).bytesWritten;
    } catch (e) {
      throw this.error(e);
    }
  }

  /** Flushes and closes the partial file; a full disk may only show here. */
  async finish(): Promise<void> {
    if (this.state !== 'writing' || this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.state = 'finished';
    try {
      await datasyncAsync(fd);
    } catch (e) {
      closeSync(fd);
      throw this.error(e);
    }
    closeSync(fd);
  }

  /** Synchronous, so that a signal sees either the partial file or the finished target. */
  renameIntoPlace(): void {
    if (this.state !== 'finished') throw new Error(`${this.target}: renamed before it was complete`);
    try {
      renameSync(this.partial, this.target);
    } catch (e) {
      throw this.error(e);
    }
    this.state = 'done';
    livePartials.delete(this.partial);
  }

  discard(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // It is being removed anyway.
      }
      this.fd = null;
    }
    if (this.state !== 'done') rmSync(this.partial, { force: true });
    this.state = 'done';
    livePartials.delete(this.partial);
  }
}

export interface NodeOutputFiles {
  /** The sink of one target: its close() completes the file; commit() renames it into place. */
  sink(target: string): ByteSink;
  /** Writes a whole file and completes it. */
  write(target: string, content: Uint8Array | string): Promise<void>;
  /** Completes every file and renames them all into place, or removes them all. */
  commit(): Promise<void>;
  /** Removes every partial file (and nothing that was already in place). */
  abort(): void;
}

/** Creates the partial files now, so that an unwritable folder fails before any work. */
export function openOutputFiles(targets: readonly string[]): NodeOutputFiles {
  const files = new Map<string, PartialFile>();
  try {
    for (const target of targets) files.set(target, new PartialFile(target));
  } catch (e) {
    for (const f of files.values()) f.discard();
    throw e;
  }
  const file = (target: string) => {
    const f = files.get(target);
    if (!f) throw new Error(`${target}: not one of this command's output files`);
    return f;
  };
  const abort = () => {
    for (const f of files.values()) f.discard();
  };
  return {
    sink(target) {
      const f = file(target);
      return { write: (chunk) => f.write(chunk), close: () => f.finish(), abort: async () => f.discard() };
    },
    async write(target, content) {
      const f = file(target);
      await f.write(typeof content === 'string' ? new TextEncoder().encode(content) : content);
      await f.finish();
    },
    async commit() {
      const renamed: string[] = [];
      try {
        for (const f of files.values()) await f.finish();
        for (const f of files.values()) {
          f.renameIntoPlace();
          renamed.push(f.target);
        }
      } catch (e) {
        // All or nothing: a file already renamed goes too (it replaced nothing of the inputs).
        for (const target of renamed) rmSync(target, { force: true });
        abort();
        throw e;
      }
    },
    abort,
  };
}

/** Runs `body` with the output files open; commits them when it succeeds, removes them when it fails. */
export async function withOutputFiles<T>(targets: readonly string[], body: (out: NodeOutputFiles) => Promise<T>): Promise<T> {
  const out = openOutputFiles(targets);
  try {
    const result = await body(out);
    await out.commit();
    return result;
  } catch (e) {
    out.abort();
    throw e;
  }
}

/** One output file as a sink: close() completes it and renames it into place; abort() removes it. */
export async function nodeFileSink(target: string): Promise<ByteSink> {
  const out = openOutputFiles([target]);
  const sink = out.sink(target);
  return {
    write: (chunk) => sink.write(chunk),
    async close() {
      await out.commit();
    },
    async abort() {
      out.abort();
    },
  };
}
