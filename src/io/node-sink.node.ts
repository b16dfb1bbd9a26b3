// A file sink for Node: writes to "<target>.partial" and renames it into place on close, so the
// target path never holds a half-written file; abort deletes the partial file.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { ByteSink } from '../core/bytes-io.ts';

export async function nodeFileSink(target: string): Promise<ByteSink> {
  const partial = `${target}.partial`;
  const handle: FileHandle = await open(partial, 'w');
  let closed = false;
  return {
    async write(chunk) {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
        done += bytesWritten;
      }
    },
    async close() {
      closed = true;
      await handle.close();
      await rename(partial, target);
    },
    async abort() {
      if (!closed) {
        closed = true;
        await handle.close().catch(() => {});
      }
      await rm(partial, { force: true });
    },
  };
}
