// A second copy of each GGUF an export writes, kept for the evaluation and the publish that follow it: the user's
// copy goes wherever they saved it (out of reach), this one stays in OPFS (or, without OPFS, in
// memory for files small enough). A copy that fails never fails the export: evaluation is then
// unavailable, with the reason.
import type { ByteSink } from '../core/bytes-io.ts';

/** What the evaluation reads: the exported file's name and its bytes. */
export interface KeptFile {
  name: string;
  blob: Blob;
}

export interface ExportCopy {
  sink: ByteSink;
  /** After the export closed the sink: the file, or null with `problem` set. */
  finish(): Promise<KeptFile | null>;
  readonly problem: string | null;
}

const EXPORTS_DIR = 'quant-studio-exports';
/** Without OPFS, files up to this size are kept in memory. */
export const MEMORY_COPY_LIMIT = 512 * 2 ** 20;

interface CopyTarget {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<Blob>;
  abort(): Promise<void>;
}

function memoryTarget(limit: number): CopyTarget {
  let parts: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  return {
    async write(chunk) {
      bytes += chunk.byteLength;
      if (bytes > limit) throw new Error(`the file is over ${Math.round(limit / 2 ** 20)} MiB and this browser has no OPFS to keep it in`);
      parts.push(new Uint8Array(chunk));
    },
    async close() {
      const blob = new Blob(parts);
      parts = [];
      return blob;
    },
    async abort() {
      parts = [];
    },
  };
}

interface OpfsWritable {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

async function opfsTarget(slot: number): Promise<CopyTarget | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.getDirectory) return null;
  try {
    const dir = await (await storage.getDirectory()).getDirectoryHandle(EXPORTS_DIR, { create: true });
    // One file per file of the export (an export may write several quant levels at once).
    const handle = await dir.getFileHandle(`last-export-${slot}.gguf`, { create: true });
    const writable = (await (handle as unknown as { createWritable(o: object): Promise<OpfsWritable> }).createWritable({ keepExistingData: false }));
    return {
      write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
      async close() {
        await writable.close();
        return handle.getFile();
      },
      abort: () => writable.abort(),
    };
  } catch {
    return null; // no OPFS here (private window, quota): memory instead
  }
}

/** Writes to `primary` and, as long as it works, to the copy; only `primary` decides the outcome. */
export function teeExportCopy(primary: ByteSink, name: string, target: CopyTarget): ExportCopy {
  let problem: string | null = null;
  let blob: Blob | null = null;
  let copying = true;
  const drop = (e: unknown) => {
    problem ??= `the copy for the evaluation failed: ${(e as Error)?.message ?? String(e)}`;
    if (copying) {
      copying = false;
      void target.abort().catch(() => undefined);
    }
  };
  const sink: ByteSink = {
    async write(chunk) {
      await primary.write(chunk);
      if (copying) await target.write(chunk).catch(drop);
    },
    async close() {
      await primary.close();
      if (!copying) return;
      try {
        blob = await target.close();
      } catch (e) {
        drop(e);
      }
    },
    async abort(reason) {
      copying = false;
      problem ??= 'the export did not finish';
      await target.abort().catch(() => undefined);
      await primary.abort(reason);
    },
  };
  return {
    sink,
    async finish() {
      return blob ? { name, blob } : null;
    },
    get problem() {
      return blob ? null : problem ?? 'the export did not finish';
    },
  };
}

/**
 * The copy of file `slot` of an export of `count` files; without OPFS the files share the memory
 * limit.
 */
export async function openExportCopy(primary: ByteSink, name: string, slot = 0, count = 1): Promise<ExportCopy> {
  return teeExportCopy(primary, name, (await opfsTarget(slot)) ?? memoryTarget(Math.floor(MEMORY_COPY_LIMIT / count)));
}

/** For tests: the in-memory target with a chosen limit. */
export const memoryCopyTarget = memoryTarget;
