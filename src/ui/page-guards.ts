// Nothing lost by accident: the browser asks before the page is left while work runs or results
// are unsaved (leave-guard.ts), and a model dropped anywhere on the page opens as if dropped on
// the drop zone, instead of the browser navigating away to the file.
import { useEffect } from 'react';
import { filesFromDataTransfer } from '../app/dropped-files.ts';
import { unsavedWork } from '../app/leave-guard.ts';
import { usePublish } from '../app/publish-state.ts';
import { openModelFiles, showSourceError } from '../app/source-actions.ts';
import { useStudio } from '../app/store.ts';

const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

export function usePageGuards(): void {
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (unsavedWork(useStudio.getState(), usePublish.getState()).length === 0) return;
      e.preventDefault();
      e.returnValue = ''; // older Chromium asks only when this is set
    };
    // The drop zone handles its own drops (and prevents their default); everything else lands here.
    const onDragOver = (e: DragEvent) => {
      if (e.defaultPrevented || !carriesFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      if (e.defaultPrevented || !carriesFiles(e)) return;
      e.preventDefault();
      // A drop onto a form field (a text file onto the evaluation's text) is that field's.
      if ((e.target as HTMLElement).closest?.('input, textarea')) return;
      const pending = filesFromDataTransfer(e.dataTransfer!);
      void pending.then(openModelFiles, (err: Error) => showSourceError(`The dropped folder could not be read: ${err.message}`));
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}
