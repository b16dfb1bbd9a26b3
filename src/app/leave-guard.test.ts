import { describe, expect, it } from 'vitest';
import { unsavedWork } from './leave-guard.ts';
import { initialPublish } from './publish-state.ts';
import { useStudio } from './store.ts';

describe('unsavedWork', () => {
  const idle = useStudio.getState();
  it('nothing at rest; running work and results only this page holds, until an export saved them', () => {
    expect(unsavedWork(idle, initialPublish)).toEqual([]);
    expect(unsavedWork({ ...idle, exportJob: { ...idle.exportJob, phase: 'running' } }, initialPublish)).toEqual(['an export is running']);
    expect(unsavedWork(idle, { phase: 'running' })).toEqual(['a publish is running']);
    const calibrated = { ...idle, imatrix: { ...idle.imatrix, status: 'ready' as const, origin: 'calibration' as const } };
    expect(unsavedWork(calibrated, initialPublish)).toEqual(['the importance matrix calibrated here is not saved']);
    expect(unsavedWork({ ...calibrated, exportJob: { ...idle.exportJob, phase: 'done' } }, initialPublish)).toEqual([]);
    expect(unsavedWork({ ...idle, recipe: { ...idle.recipe, dynamic: { a: 'Q4_K' } } }, initialPublish)).toEqual(['the dynamic recipe is not exported']);
  });
});
