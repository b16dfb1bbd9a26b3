// Finished calibrations and measurements kept in OPFS (an in-memory one here) and offered again
// when their model is opened: kept on finishing, offered for that model only, "Use it" puts the
// page in the finished state, "Discard" forgets it. The workers' side is stood in for.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeOpfs } from '../io/test-opfs.node.ts';
import type { MeasurementInputs } from './store.ts';

const calibration = vi.hoisted(() => ({
  file: null as { name: string; bytes: Uint8Array } | null,
  adopted: [] as { name: string; bytes: Uint8Array }[],
}));
const measured = vi.hoisted(() => ({ calls: [] as unknown[][] }));

vi.mock('./calibration-actions.ts', async () => {
  const { useStudio } = await import('./store.ts');
  return {
    calibratedImatrixFile: () => calibration.file,
    adoptCalibratedImatrix: async (name: string, bytes: Uint8Array) => {
      calibration.adopted.push({ name, bytes });
      calibration.file = { name, bytes };
      useStudio.setState((s) => ({ imatrix: { ...s.imatrix, status: 'ready', name, origin: 'calibration', contentHash: `hash-of-${bytes.join(',')}` } }));
      return true;
    },
  };
});
vi.mock('./dynamic-actions.ts', () => ({
  measureSensitivityNow: async (...args: unknown[]) => void measured.calls.push(args),
  measurementBlocker: () => null,
}));
vi.mock('./calibration-data.ts', () => ({ refreshCalibrationDataKey: async () => undefined }));

const { useStudio } = await import('./store.ts');
const kept = await import('./kept-calibration.ts');
const keptMeasurement = await import('./kept-measurement.ts');
const { saveSensitivity } = await import('../io/sensitivity-store.ts');
const { keptMeasurementMeta, inputsKey } = await import('./measurement-inputs.ts');
const { unsavedWork } = await import('./leave-guard.ts');
const { initialPublish } = await import('./publish-state.ts');

const initial = useStudio.getInitialState();

function openModel(identity: string): void {
  useStudio.setState({
    source: { ...initial.source, status: 'ready', label: identity, identity },
    imatrix: initial.imatrix, calibration: initial.calibration, dynamic: initial.dynamic,
  });
}

/** What runCalibration leaves when a run finishes: its imatrix adopted, the slice 'done'. */
async function finishCalibration(bytes: Uint8Array): Promise<void> {
  calibration.file = { name: 'm.imatrix.gguf', bytes };
  useStudio.setState((s) => ({
    imatrix: { ...s.imatrix, status: 'ready', name: 'm.imatrix.gguf', origin: 'calibration', contentHash: `hash-of-${bytes.join(',')}` },
    calibration: { ...s.calibration, phase: 'done', datasets: ['calibration/default.jsonl sha256:ab'], contextSize: 64, maxChunks: 4, chunks: 4, chatTemplate: true },
  }));
  await vi.waitFor(() => expect(useStudio.getState().calibration.kept?.contentHash).toBe(`hash-of-${bytes.join(',')}`));
}

beforeEach(() => {
  installFakeOpfs();
  calibration.file = null;
  calibration.adopted = [];
  measured.calls = [];
  useStudio.setState(initial, true);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('a kept calibration', () => {
  it('is kept when a run finishes, and the leave guard no longer counts it as unsaved', async () => {
    openModel('model-a');
    await finishCalibration(new Uint8Array([1, 2, 3]));
    const s = useStudio.getState();
    expect(s.calibration.kept).toMatchObject({ name: 'm.imatrix.gguf', chunks: 4, contextSize: 64, chatTemplate: true, contentHash: 'hash-of-1,2,3' });
    expect(kept.keptCalibrationInUse(s)).toBe(true);
    expect(unsavedWork(s, initialPublish)).toEqual([]);
  });

  it('is offered when the same model is opened again (not another), and "Use it" restores the finished state', async () => {
    openModel('model-a');
    await finishCalibration(new Uint8Array([1, 2, 3]));
    openModel('model-b');
    await kept.findKeptCalibration();
    expect(useStudio.getState().calibration.kept).toBeNull();
    openModel('model-a');
    calibration.file = null;
    await kept.findKeptCalibration();
    const offered = useStudio.getState().calibration.kept;
    expect(offered).toMatchObject({ name: 'm.imatrix.gguf', chunks: 4, contentHash: 'hash-of-1,2,3' });
    expect(kept.keptCalibrationInUse(useStudio.getState())).toBe(false);

    expect(await kept.applyKeptCalibration()).toBe(true);
    expect(calibration.adopted).toEqual([{ name: 'm.imatrix.gguf', bytes: new Uint8Array([1, 2, 3]) }]);
    const s = useStudio.getState();
    expect(s.calibration).toMatchObject({ phase: 'done', chunks: 4, contextSize: 64, maxChunks: 4, chatTemplate: true });
    expect(s.imatrix).toMatchObject({ status: 'ready', origin: 'calibration', contentHash: 'hash-of-1,2,3' });
    expect(kept.keptCalibrationInUse(s)).toBe(true);
    expect(unsavedWork(s, initialPublish)).toEqual([]);
  });

  it('keeps the latest run per model and settings; Discard forgets it', async () => {
    openModel('model-a');
    await finishCalibration(new Uint8Array([1]));
    useStudio.setState((s) => ({ calibration: { ...s.calibration, phase: 'idle' } }));
    await finishCalibration(new Uint8Array([2]));
    openModel('model-a');
    await kept.findKeptCalibration();
    expect(useStudio.getState().calibration.kept?.contentHash).toBe('hash-of-2');
    await kept.discardKeptCalibration();
    expect(useStudio.getState().calibration.kept).toBeNull();
    await kept.findKeptCalibration();
    expect(useStudio.getState().calibration.kept).toBeNull();
  });

  it('is not used while a calibration or a measurement runs', async () => {
    openModel('model-a');
    await finishCalibration(new Uint8Array([1]));
    openModel('model-a');
    await kept.findKeptCalibration();
    useStudio.setState((s) => ({ dynamic: { ...s.dynamic, phase: 'measuring' } }));
    expect(kept.keptCalibrationBlocker(useStudio.getState())).toMatch(/measurement is running/);
    expect(await kept.applyKeptCalibration()).toBe(false);
    expect(calibration.adopted).toEqual([]);
  });

  it('without OPFS: nothing kept, nothing offered, and the leave guard still asks', async () => {
    vi.stubGlobal('navigator', {});
    openModel('model-a');
    calibration.file = { name: 'm.imatrix.gguf', bytes: new Uint8Array([1]) };
    useStudio.setState((s) => ({
      imatrix: { ...s.imatrix, status: 'ready', name: 'm.imatrix.gguf', origin: 'calibration', contentHash: 'h' },
      calibration: { ...s.calibration, phase: 'done' },
    }));
    await new Promise((r) => setTimeout(r, 20));
    expect(useStudio.getState().calibration.kept).toBeNull();
    expect(unsavedWork(useStudio.getState(), initialPublish)).toEqual(['the importance matrix calibrated here is not saved']);
    await kept.findKeptCalibration();
    expect(useStudio.getState().calibration.kept).toBeNull();
  });
});

describe('a kept measurement', () => {
  const inputs = (imatrix: string | null, model = 'model-a'): MeasurementInputs => ({
    model, imatrix, imatrixName: imatrix ? 'm.imatrix.gguf' : null, calibration: 'data:64x4', candidates: ['Q4_K', 'Q6_K'], measure: 'layer', chunks: 2,
  });
  async function keepMeasurement(i: MeasurementInputs, settings = { contextSize: 64, maxChunks: 4 }): Promise<void> {
    const state = { ...useStudio.getState(), calibration: { ...useStudio.getState().calibration, ...settings }, dynamic: { ...useStudio.getState().dynamic, chunks: 2 } };
    await saveSensitivity(inputsKey(i), { table: {}, sequences: [] }, keptMeasurementMeta(state, i, { tensors: [1, 2, 3], positions: 64 }));
  }

  it('is offered for its model; one measured with the kept calibration\'s imatrix loads that first', async () => {
    openModel('model-a');
    await finishCalibration(new Uint8Array([7]));
    await keepMeasurement(inputs('hash-of-7'));
    await keepMeasurement(inputs(null, 'model-b'));
    openModel('model-a');
    calibration.file = null;
    await keptMeasurement.findKeptResults();
    const s = useStudio.getState();
    expect(s.dynamic.kept).toMatchObject({ inputs: inputs('hash-of-7'), tensors: 3, positions: 64, contextSize: 64, maxChunks: 4 });
    expect(keptMeasurement.keptMeasurementNeeds(s, s.dynamic.kept!)).toBe('kept-calibration');

    await keptMeasurement.applyKeptMeasurement();
    expect(calibration.adopted.map((a) => [...a.bytes])).toEqual([[7]]);
    const after = useStudio.getState();
    expect(after.calibration).toMatchObject({ contextSize: 64, maxChunks: 4, useDefaultSet: true });
    expect(after.dynamic).toMatchObject({ chunks: 2, measure: 'layer', candidates: 'default' });
    // The stored table only: never a new measurement.
    expect(measured.calls).toEqual([[false, true]]);
  });

  it('prefers one the page can use; says what is missing for one it cannot', async () => {
    openModel('model-a');
    await keepMeasurement(inputs(null));
    await new Promise((r) => setTimeout(r, 2));
    await keepMeasurement(inputs('hash-of-someone-else'));
    openModel('model-a');
    await keptMeasurement.findKeptMeasurement();
    const s = useStudio.getState();
    expect(s.dynamic.kept?.inputs.imatrix).toBeNull();
    expect(keptMeasurement.keptMeasurementNeeds(s, s.dynamic.kept!)).toBe('nothing');
    const other = { ...s.dynamic.kept!, inputs: inputs('hash-of-someone-else') };
    expect(keptMeasurement.keptMeasurementNeeds(s, other)).toMatch(/load it to use it/);
    useStudio.setState((x) => ({ imatrix: { ...x.imatrix, status: 'ready', contentHash: 'h2' } }));
    expect(keptMeasurement.keptMeasurementNeeds(useStudio.getState(), s.dynamic.kept!)).toMatch(/remove the loaded one/);
    await keptMeasurement.applyKeptMeasurement();
    expect(measured.calls).toEqual([]);
    expect(useStudio.getState().dynamic.error).toMatch(/remove the loaded one/);
  });

  it('Discard forgets it', async () => {
    openModel('model-a');
    await keepMeasurement(inputs(null));
    await keptMeasurement.findKeptMeasurement();
    await keptMeasurement.discardKeptMeasurement();
    await keptMeasurement.findKeptMeasurement();
    expect(useStudio.getState().dynamic.kept).toBeNull();
  });
});
