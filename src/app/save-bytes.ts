// Saving a small file made on the page (an imatrix): the save picker where there is one, a
// download otherwise or when `?save=download` asks for it (as the export does).
import { canPickSaveFile, deliverAsDownload, pickFileSink } from '../io/browser-sinks.ts';

export function prefersDownload(): boolean {
  return new URLSearchParams(globalThis.location?.search ?? '').get('save') === 'download';
}

/** Call from a click handler (the picker needs the user gesture). */
export async function saveBytes(bytes: Uint8Array, fileName: string): Promise<void> {
  if (!prefersDownload() && canPickSaveFile()) {
    const sink = await pickFileSink(fileName);
    if (!sink) return; // the dialog was closed
    await sink.write(bytes);
    await sink.close();
    return;
  }
  deliverAsDownload(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), fileName);
}
