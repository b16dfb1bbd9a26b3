// Where a browser export goes: a file the user picked (File System Access, streamed to disk) or,
// where that API is missing, an in-memory Blob offered as a download when the export completes.
// Either way a failed or cancelled export leaves nothing behind.
import { isCancellation } from '../core/cancellation.ts';
import type { ByteSink } from '../core/bytes-io.ts';

/** The parts of the File System Access API used here (not all of it is in lib.dom yet). */
export interface SaveFileHandle {
  createWritable(): Promise<WritableFileLike>;
  /** Chromium only: deletes the file the picker created. */
  remove?: () => Promise<void>;
}
export interface WritableFileLike {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}
type SaveFilePicker = (options: {
  suggestedName: string;
  types?: { description: string; accept: Record<string, string[]> }[];
}) => Promise<SaveFileHandle>;

function savePicker(): SaveFilePicker | undefined {
  const picker = (globalThis as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  return typeof picker === 'function' ? picker.bind(globalThis) : undefined;
}

export function canPickSaveFile(): boolean {
  return savePicker() !== undefined;
}

/** Refuses a second close/abort and writes after either: an export writes through one path only. */
function guarded(name: string, sink: ByteSink): ByteSink {
  let state: 'open' | 'closed' | 'aborted' = 'open';
  return {
    async write(chunk) {
      if (state !== 'open') throw new Error(`${name}: write after the sink was ${state}`);
      await sink.write(chunk);
    },
    async close() {
      if (state !== 'open') throw new Error(`${name}: close after the sink was ${state}`);
      state = 'closed';
      await sink.close();
    },
    async abort(reason) {
      // Aborting twice (the exporter, then the caller that saw the error) is normal.
      if (state !== 'open') return;
      state = 'aborted';
      await sink.abort(reason);
    },
  };
}

/** Streams into a file the user picked; abort discards the stream and deletes the empty file. */
export function fileSystemSink(handle: SaveFileHandle, writable: WritableFileLike): ByteSink {
  return guarded('save file', {
    write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
    close: () => writable.close(),
    async abort(reason) {
      try {
        await writable.abort(reason);
      } finally {
        // The picker already created the (empty) file; remove() exists in Chromium only.
        await handle.remove?.().catch(() => undefined);
      }
    },
  });
}

/**
 * Asks the user where to save (must run inside a click handler: the picker needs a user
 * gesture). Resolves to null when the user dismisses the picker.
 */
export async function pickFileSink(suggestedName: string): Promise<ByteSink | null> {
  const picker = savePicker();
  if (!picker) throw new Error('This browser cannot stream to a chosen file (no showSaveFilePicker)');
  let handle: SaveFileHandle;
  try {
    handle = await picker({
      suggestedName,
      types: [{ description: 'GGUF model', accept: { 'application/octet-stream': ['.gguf'] } }],
    });
  } catch (e) {
    if (isCancellation(e)) return null; // the user closed the dialog
    throw e;
  }
  return fileSystemSink(handle, await handle.createWritable());
}

export type DeliverBlob = (blob: Blob, fileName: string) => void;

/** Offers a Blob as a download through a temporary object URL. */
export const deliverAsDownload: DeliverBlob = (blob, fileName) => {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its own reference by the time the click returns; a delay keeps
  // slow browsers safe.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};

/** Keeps the chunks in memory; only a completed export reaches `deliver`. */
export function downloadSink(fileName: string, deliver: DeliverBlob = deliverAsDownload): ByteSink {
  let chunks: Uint8Array<ArrayBuffer>[] = [];
  return guarded(fileName, {
    async write(chunk) {
      // Copied: the writer may reuse its buffer after the promise resolves.
      chunks.push(new Uint8Array(chunk));
    },
    async close() {
      const blob = new Blob(chunks, { type: 'application/octet-stream' });
      chunks = [];
      deliver(blob, fileName);
    },
    async abort() {
      chunks = [];
    },
  });
}
