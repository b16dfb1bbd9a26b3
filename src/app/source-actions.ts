// Opening a dropped or picked folder: the export worker reads only the headers and returns the
// plan (open-model.ts does what every open does), from a pick or a drop. And which quantizer the export worker has.
import type { NamedBlob } from '../io/blob-files.ts';
import { filesFromDataTransfer } from './dropped-files.ts';
import { exportWorker } from './export-client.ts';
import { modelIdentityOf } from './model-identity.ts';
import { openModel, showSourceError } from './open-model.ts';
import { useStudio } from './store.ts';
import { exportBackendChoice } from './backend-choice.ts';

export { showSourceError } from './open-model.ts';

export async function openModelFiles(entries: NamedBlob[]): Promise<void> {
  await openModel({ kind: 'folder', label: '', fileCount: entries.length }, entries, async () => {
    if (entries.length === 0) throw new Error('No files found: drop a model folder (config.json and *.safetensors) or a GGUF file');
    const { label, plan } = await exportWorker().open(entries);
    return { label, plan, pin: null, fileCount: entries.length, identity: modelIdentityOf({ kind: 'files', files: entries }) };
  });
}

/** A drop (on the drop zone or anywhere on the page); call within the drop handler, whose items expire when it returns. */
export function openDroppedModel(data: DataTransfer): void {
  void filesFromDataTransfer(data).then(openModelFiles, (err: Error) => showSourceError(`The dropped folder could not be read: ${err.message}`));
}

/**
 * Which quantizer the worker will use and which types it writes; asked once at start-up so the
 * header can show it and an export of unsupported types is refused before it starts.
 */
export async function detectBackend(): Promise<void> {
  try {
    const worker = exportWorker();
    const backend = await worker.backend(exportBackendChoice());
    useStudio.setState({ backend, supportedTypes: await worker.supportedTypes() });
  } catch (e) {
    useStudio.setState({ backend: { kind: 'cpu', detail: `CPU (${(e as Error).message})` } });
  }
}
