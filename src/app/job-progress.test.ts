import { describe, expect, it } from 'vitest';
import { etaSeconds, runningJob, tabTitle } from './job-progress.ts';
import { initialPublish } from './publish-state.ts';
import { useStudio } from './store.ts';

describe('job progress', () => {
  const idle = useStudio.getState();
  it('the running job as a fraction, for the tab title', () => {
    expect(runningJob(idle, initialPublish)).toBeNull();
    const exporting = { ...idle, exportJob: { ...idle.exportJob, phase: 'running' as const, progress: { bytesWritten: 37, totalBytes: 100, tensorsDone: 1, tensorCount: 9, tensor: 'x' } } };
    expect(runningJob(exporting, initialPublish)).toEqual({ label: 'exporting', fraction: 0.37 });
    expect(tabTitle(runningJob(exporting, initialPublish), 'quant-studio')).toBe('37% exporting · quant-studio');
    expect(tabTitle(null, 'quant-studio')).toBe('quant-studio');
    const publishing = { ...initialPublish, phase: 'running' as const, progress: { phase: 'uploading' as const, current: null, files: [], hashedBytes: 100, uploadedBytes: 50, totalBytes: 100 } };
    expect(runningJob(idle, publishing)).toEqual({ label: 'publishing', fraction: 0.75 });
  });

  it('the time left at the rate so far, once there is a second and 1% to go on', () => {
    expect(etaSeconds(0.25, 10_000)).toBeCloseTo(30, 9);
    expect(etaSeconds(0.005, 10_000)).toBeNull();
    expect(etaSeconds(0.5, 500)).toBeNull();
    expect(etaSeconds(1, 10_000)).toBeNull();
    // From the first progress on: 10% at 4 s (start-up), 30% at 8 s: 20% in 4 s, 70% left.
    expect(etaSeconds(0.3, 8000, { fraction: 0.1, atMs: 4000 })).toBeCloseTo(14, 9);
    expect(etaSeconds(0.105, 8000, { fraction: 0.1, atMs: 4000 })).toBeNull();
  });
});
