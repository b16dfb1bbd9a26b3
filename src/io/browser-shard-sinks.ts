// Where an export of several files goes in the browser (a split file's parts, other quant levels):
// each into a folder the user picked (File System Access's directory picker, one gesture for all
// of them, each file streamed), or each offered as a download once complete. Files are opened as
// the export reaches them; abort() removes every file opened so far, so a failed or cancelled
// export leaves none of its files.
import { isCancellation } from '../core/cancellation.ts';
import type { ByteSink } from '../core/bytes-io.ts';
import { downloadSink, fileSystemSink, type SaveFileHandle } from './browser-sinks.ts';

interface DirectoryHandle {
  getFileHandle(name: string, options: { create: boolean }): Promise<SaveFileHandle>;
}
type DirectoryPicker = (options?: { mode?: 'readwrite' }) => Promise<DirectoryHandle>;

export interface ShardSinks {
  /** The sink of file `i` (opened on first use). */
  shard(i: number): Promise<ByteSink>;
  /** Aborts every file opened so far. */
  abort(reason?: unknown): Promise<void>;
}

function directoryPicker(): DirectoryPicker | undefined {
  const picker = (globalThis as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  return typeof picker === 'function' ? picker.bind(globalThis) : undefined;
}

export function canPickDirectory(): boolean {
  return directoryPicker() !== undefined;
}

function shardSinks(names: readonly string[], open: (name: string) => Promise<ByteSink>): ShardSinks {
  const opened = new Map<number, Promise<ByteSink>>();
  return {
    shard(i) {
      const name = names[i];
      if (name === undefined) return Promise.reject(new Error(`export: no file ${i + 1} of ${names.length}`));
      let sink = opened.get(i);
      if (!sink) opened.set(i, (sink = open(name)));
      return sink;
    },
    async abort(reason) {
      await Promise.all([...opened.values()].map(async (s) => (await s).abort(reason).catch(() => undefined)));
    },
  };
}

/** Asks for a folder (inside a click handler); null when the user closes the picker. */
export async function pickDirectoryShardSinks(names: readonly string[]): Promise<ShardSinks | null> {
  const picker = directoryPicker();
  if (!picker) throw new Error('This browser cannot write files into a chosen folder (no showDirectoryPicker)');
  let dir: DirectoryHandle;
  try {
    dir = await picker({ mode: 'readwrite' });
  } catch (e) {
    if (isCancellation(e)) return null;
    throw e;
  }
  return shardSinks(names, async (name) => {
    const handle = await dir.getFileHandle(name, { create: true });
    return fileSystemSink(handle, await handle.createWritable());
  });
}

/** Each file offered as a download when it is complete. */
export function downloadShardSinks(names: readonly string[]): ShardSinks {
  return shardSinks(names, async (name) => downloadSink(name));
}
