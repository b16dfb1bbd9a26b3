// A Hub model's download as the page shows it: a pure reducer over the worker's events, and the
// action that feeds the studio store's slice with it (the opening and the export report there;
// calibration and evaluation keep their own slices with the same reducer).
import type { DownloadEvent } from '../workers/protocol.ts';
import { useStudio, type DownloadSlice } from './store.ts';

type Download = DownloadSlice['download'];

/** Folds one event from the worker into what the page shows. */
export function withDownloadEvent(download: Download, event: DownloadEvent): Download {
  switch (event.kind) {
    case 'network': {
      const { file, ...overall } = event.progress;
      return { ...download, files: { ...download.files, [file.file]: file }, overall };
    }
    case 'cache':
      return { ...download, cacheBytes: download.cacheBytes + event.bytes };
    case 'retry':
      return { ...download, notice: `${event.file}: retrying in ${(event.delayMs / 1000).toFixed(1)} s (${event.reason})` };
    case 'cache-problem':
      return { ...download, notice: `${event.file}: not cached (${event.message})` };
  }
}

export function onDownloadEvent(event: DownloadEvent): void {
  useStudio.setState((s) => ({ download: withDownloadEvent(s.download, event) }));
}
