// A model switch forgets everything of the old model in one pure state change; the user's
// settings and a picked importance matrix stay.
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { modelOpened, modelOpenFailed, modelOpening } from './model-switch-state.ts';
import { useStudio, type StudioState } from './store.ts';

const plan = { tensors: [] } as unknown as ModelPlan;

function oldModelState(imatrixOrigin: 'file' | 'calibration'): StudioState {
  const s = useStudio.getInitialState();
  return {
    ...s,
    source: { ...s.source, status: 'ready', kind: 'folder', label: 'old', plan, identity: 'old-id', fileCount: 3 },
    recipe: { ...s.recipe, mix: 'Q4_K_M', overrides: { 'blk.0.attn_q.weight': 'Q8_0' }, dynamic: { 'blk.0.attn_q.weight': 'Q4_K' } },
    imatrix: { ...s.imatrix, status: 'ready', name: 'm.imatrix.gguf', origin: imatrixOrigin, contentHash: 'h' },
    calibration: { ...s.calibration, phase: 'done', contextSize: 256, maxChunks: 8, userFiles: ['a.txt'], dataKey: 'k', chunks: 8, warnings: ['w'] },
    evaluation: { ...s.evaluation, phase: 'done', text: 'mine', textName: 'mine.txt', maxChunks: 2, model: 'old-id', fileName: 'x.gguf' },
    dynamic: { ...s.dynamic, phase: 'ready', candidates: 'arm', chunks: 6, measure: 'all', device: 'cpu', targetBpw: 4.5, mixesPhase: 'done' },
    exportJob: { ...s.exportJob, phase: 'done', fileName: 'x.gguf', bytesWritten: 10 },
    download: { ...s.download, cacheBytes: 99 },
  };
}

describe('modelOpening', () => {
  it('forgets the old model\'s results and keeps the user\'s settings', () => {
    const next = modelOpening(oldModelState('file'), { kind: 'hub', label: 'o/m', fileCount: 0 });
    expect(next.source).toMatchObject({ status: 'planning', kind: 'hub', label: 'o/m', plan: null, identity: null });
    expect(next.recipe).toMatchObject({ mix: 'Q4_K_M', overrides: {}, dynamic: null });
    expect(next.calibration).toMatchObject({ phase: 'idle', contextSize: 256, maxChunks: 8, userFiles: ['a.txt'], dataKey: 'k', chunks: 0, warnings: [] });
    expect(next.evaluation).toMatchObject({ phase: 'idle', text: 'mine', textName: 'mine.txt', maxChunks: 2, model: null, result: null, fileName: '' });
    expect(next.dynamic).toMatchObject({ phase: 'idle', candidates: 'arm', chunks: 6, measure: 'all', device: 'cpu', table: null, targetBpw: null, mixesPhase: 'idle' });
    expect(next.exportJob.phase).toBe('idle');
    expect(next.download.cacheBytes).toBe(0);
  });

  it('keeps a picked importance matrix, drops one calibrated on the old model', () => {
    expect(modelOpening(oldModelState('file'), { kind: 'folder', label: '', fileCount: 2 }).imatrix.status).toBe('ready');
    expect(modelOpening(oldModelState('calibration'), { kind: 'folder', label: '', fileCount: 2 }).imatrix.status).toBe('empty');
  });

  it('does not change the state it is given', () => {
    const before = oldModelState('calibration');
    const copy = structuredClone(before);
    modelOpening(before, { kind: 'folder', label: '', fileCount: 2 });
    expect(before).toEqual(copy);
  });
});

describe('modelOpened / modelOpenFailed', () => {
  it('a ready model carries its plan, pin and identity', () => {
    const opened = { label: 'm', plan, pin: null, fileCount: 2, identity: 'id' };
    expect(modelOpened({ kind: 'folder', label: '', fileCount: 2 }, opened).source).toMatchObject({ status: 'ready', kind: 'folder', ...opened, error: null });
  });

  it('a failed open names the error and has no model', () => {
    expect(modelOpenFailed({ kind: 'hub', label: 'o/m', fileCount: 0 }, 'HTTP 404').source)
      .toMatchObject({ status: 'error', kind: 'hub', label: 'o/m', plan: null, identity: null, error: 'HTTP 404' });
  });
});
