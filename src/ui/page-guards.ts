// The page as a whole: the browser asks before it is left while work runs or results are unsaved
// (leave-guard.ts); a model dropped anywhere on it opens as if dropped on the drop zone, instead
// of the browser navigating away to the file; the tab's title carries the running job's progress.
import { useEffect } from 'react';
import { runningJob, tabTitle } from '../app/job-progress.ts';
import { unsavedWork } from '../app/leave-guard.ts';
import { usePublish } from '../app/publish-state.ts';
import { openDroppedModel } from '../app/source-actions.ts';
import { useStudio } from '../app/store.ts';

const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

/** The running job's progress in the tab's title, for a user who looks at another tab meanwhile. */
function followInTitle(): () => void {
  const base = document.title;
  const update = () => {
    document.title = tabTitle(runningJob(useStudio.getState(), usePublish.getState()), base);
  };
  const stops = [useStudio.subscribe(update), usePublish.subscribe(update)];
  return () => {
    for (const stop of stops) stop();
    document.title = base;
  };
}

export function usePageGuards(): void {
  useEffect(followInTitle, []);
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
      openDroppedModel(e.dataTransfer!);
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
