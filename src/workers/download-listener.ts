// Where a worker's Hub session sends its download events: to the call listening now (an open,
// then an export). A call stops listening when it settles, and only if it is still the listener:
// an open that a newer one superseded settles late, and must not silence the newer one.
import type { DownloadEvent } from './hub-session.ts';

type Listener = (event: DownloadEvent) => void;

export interface DownloadListenerSlot {
  emit(event: DownloadEvent): void;
  /** `listener` (null: nobody) hears the events from now on; the result stops it, if it still listens. */
  listen(listener: Listener | null): () => void;
}

export function downloadListenerSlot(): DownloadListenerSlot {
  let current: Listener | null = null;
  return {
    emit: (event) => current?.(event),
    listen(listener) {
      current = listener;
      return () => {
        if (current === listener) current = null;
      };
    },
  };
}
