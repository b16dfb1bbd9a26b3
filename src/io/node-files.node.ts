// Model files from a folder on disk (the CLI): positional reads through file handles, so a
// multi-gigabyte safetensors file is never read whole.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ByteSource, ModelFiles } from '../core/bytes-io.ts';
import { describeFileError } from './node-system-error.node.ts';

export class NodeFileSource implements ByteSource {
  private handle: Promise<FileHandle> | null = null;
  constructor(
    readonly name: string,
    private readonly filePath: string,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new Error(`${this.name}: read of ${length} bytes at ${offset} is past the end of the file (size ${this.size})`);
    }
    this.handle ??= open(this.filePath, 'r');
    const handle = await this.handle;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${this.name}: file ended at ${offset + done} while reading (was it truncated?)`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await (await handle).close();
  }
}

export interface NodeModelFiles extends ModelFiles {
  close(): Promise<void>;
}

/** The regular files directly inside `dir` (subfolders are not part of a model folder). */
export async function nodeModelFiles(dir: string): Promise<NodeModelFiles> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw describeFileError(`cannot read model folder ${dir}`, e);
  }
  const sources = new Map<string, NodeFileSource>();
  for (const entry of entries) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const filePath = path.join(dir, entry.name);
    const info = await stat(filePath);
    if (info.isFile()) sources.set(entry.name, new NodeFileSource(entry.name, filePath, info.size));
  }
  return {
    label: path.basename(path.resolve(dir)),
    names: () => [...sources.keys()].sort(),
    open: (name) => sources.get(name),
    close: async () => {
      await Promise.all([...sources.values()].map((s) => s.close()));
    },
  };
}
