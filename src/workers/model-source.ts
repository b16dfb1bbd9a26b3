// The model a calibrate / evaluate (or any analysis) worker reads: the dropped folder's Files
// (they cross to the worker without a copy) or a Hub repo at the commit the export worker pinned.
// A Hub model gets its own HubSession here, pinned to that commit so every worker reads the same
// bytes, and uses the OPFS cache read-only: the export worker may be writing it at the same time
// (io/opfs-cache-reader.ts explains why two writers are unsafe).
import type { ModelFiles } from '../core/bytes-io.ts';
import { blobModelFiles, type NamedBlob } from '../io/blob-files.ts';
import { HubSession, type DownloadEvent, type HubOpenRequest } from './hub-session.ts';

export type { DownloadEvent, HubOpenRequest, NamedBlob };

export type WorkerModelSource = { kind: 'files'; files: NamedBlob[] } | { kind: 'hub'; request: HubOpenRequest; commit: string };

export async function openWorkerModelFiles(
  source: WorkerModelSource,
  options: { onDownload?: (e: DownloadEvent) => void; signal?: AbortSignal },
): Promise<{ files: ModelFiles; close(): Promise<void> }> {
  if (source.kind === 'files') {
    if (source.files.length === 0) throw new Error('openWorkerModelFiles: the model folder has no files');
    return { files: blobModelFiles(source.files), close: async () => {} };
  }
  const session = new HubSession(source.request, (e) => options.onDownload?.(e), { cacheAccess: 'read-only', commit: source.commit });
  // An abort while reading stops the requests in flight, not only the resolving of the repo.
  const stop = () => void session.disconnect();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const files = await session.files(options.signal);
    return {
      files,
      close: async () => {
        options.signal?.removeEventListener('abort', stop);
        await session.disconnect();
      },
    };
  } catch (error) {
    options.signal?.removeEventListener('abort', stop);
    await session.disconnect();
    throw error;
  }
}
