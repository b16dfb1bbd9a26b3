// The sensitivity workers run one job of the page at a time (a measurement, the mixes' KLs, a
// recipe's KL), and a cancel stops exactly the workers that job started. Workers are stand-ins.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../core/cancellation.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { deferred, fakeWorker, settle, type Deferred } from './test-workers.node.ts';

const pool = vi.hoisted(() => ({ workers: [] as ReturnType<typeof import('./test-workers.node.ts')['fakeWorker']>[] }));
const stored = vi.hoisted(() => ({ lookup: null as Deferred<unknown> | null }));

vi.mock('./analysis-clients.ts', async () => (await import('./test-workers.node.ts')).fakeAnalysisClients(() => pool.workers));
vi.mock('./export-client.ts', () => ({
  exportWorker: () => ({ currentImatrix: async () => null, clearImatrix: async () => undefined, cancel: async () => undefined }),
}));
vi.mock('./calibration-data.ts', async () => (await import('./test-workers.node.ts')).fakeCalibrationData);
vi.mock('../io/sensitivity-store.ts', () => ({
  loadSensitivity: () => stored.lookup?.promise ?? Promise.resolve(null),
  saveSensitivity: async () => undefined,
}));

const { cancelMeasurement, forgetDynamicWork, measureMixes, measureSensitivityNow, setMeasurementDevice } = await import('./dynamic-actions.ts');
const { setMeasuredTable } = await import('./test-measured.node.ts');
const { setModelEntries } = await import('./model-entries.ts');
const { useStudio } = await import('./store.ts');
const { fixturePlan } = await import('./test-plans.node.ts');

let plan: ModelPlan;
beforeAll(async () => {
  plan = await fixturePlan('stories260K');
});

/** A folder model open and measured: three mixes on the frontier, three CPU workers. */
function openMeasuredModel(): void {
  setModelEntries([{ path: 'config.json', blob: new Blob(['{}']) }]);
  const initial = useStudio.getInitialState();
  useStudio.setState({
    source: { ...initial.source, status: 'ready', kind: 'folder', label: 'm', plan, identity: 'model-a', fileCount: 1 },
    imatrix: initial.imatrix,
    dynamic: initial.dynamic,
  });
  setMeasuredTable(['Q8_0', 'Q6_K', 'Q4_0']);
}

beforeEach(() => {
  vi.stubGlobal('location', { search: '?workers=3' });
  pool.workers = [0, 1, 2].map(() => fakeWorker(['measure', 'measureRecipes'] as const));
  stored.lookup = null;
  openMeasuredModel();
});

afterEach(async () => {
  // Whatever a test left running ends, so the next one starts with the workers free.
  cancelMeasurement();
  for (const { calls } of pool.workers) for (const c of [...calls.measure, ...calls.measureRecipes]) c.result.reject(new CancelledError());
  await settle();
  vi.unstubAllGlobals();
});

const started = (method: 'measure' | 'measureRecipes') => pool.workers.filter((w) => w.calls[method].length > 0).length;

describe('measureMixes', () => {
  it('holds the workers: a sensitivity measurement asked meanwhile starts none', async () => {
    void measureMixes();
    await settle();
    expect(started('measureRecipes')).toBe(3);
    void measureSensitivityNow(true);
    await settle();
    expect(started('measure')).toBe(0);
    expect(useStudio.getState().dynamic.phase).toBe('ready');
  });

  it('is cancelled by cancelMeasurement: every worker it started, and its phase back to idle', async () => {
    const done = measureMixes();
    await settle();
    cancelMeasurement();
    for (const w of pool.workers) expect(w.worker.cancel).toHaveBeenCalledTimes(1);
    for (const w of pool.workers) w.calls.measureRecipes[0]!.result.reject(new CancelledError());
    await done;
    expect(useStudio.getState().dynamic).toMatchObject({ mixesPhase: 'idle', error: null });
  });

  it('shows the workers\' steps summed, with a time left once a step is done', async () => {
    // The page shows at most ten reports a second: these come 200 ms apart.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 200));
    void measureMixes();
    await settle();
    const report = (i: number) => pool.workers[i]!.calls.measureRecipes[0]!.args[2] as (p: { done: number; total: number; recipe: string }) => void;
    report(0)({ done: 0, total: 10, recipe: 'base' });
    report(1)({ done: 1, total: 10, recipe: 'Q8_0' });
    report(1)({ done: 2, total: 10, recipe: 'Q8_0' });
    report(1)({ done: 3, total: 10, recipe: 'Q8_0' });
    // No time promised from the first steps alone (they carry the workers' start-up).
    expect(useStudio.getState().dynamic.progress).toMatchObject({ stage: 'mixes', done: 3, etaSeconds: null });
    report(2)({ done: 10, total: 10, recipe: 'Q4_0' });
    expect(useStudio.getState().dynamic.progress).toMatchObject({ stage: 'mixes', done: 13, total: 30, tensor: 'Q4_0' });
    // 12 steps in 600 ms since the first step: 17 left take 0.85 s.
    expect(useStudio.getState().dynamic.progress!.etaSeconds).toBeCloseTo(0.85, 6);
    vi.restoreAllMocks();
  });

  it('a second click while it runs starts nothing more', async () => {
    void measureMixes();
    await settle();
    useStudio.setState((s) => ({ dynamic: { ...s.dynamic, mixesPhase: 'done' } })); // even if the phase says otherwise
    void measureMixes();
    await settle();
    expect(pool.workers.map((w) => w.calls.measureRecipes.length)).toEqual([1, 1, 1]);
  });
});

describe('cancelMeasurement', () => {
  it('cancels the shards the measurement started, though the settings now ask for one worker', async () => {
    void measureSensitivityNow(true);
    await settle();
    expect(started('measure')).toBe(3);
    setMeasurementDevice('gpu'); // one worker feeds a GPU: recomputing the count would now give 1
    cancelMeasurement();
    for (const w of pool.workers) expect(w.worker.cancel).toHaveBeenCalledTimes(1);
  });

  it('a measurement cancelled while its stored result is looked up starts no worker', async () => {
    const lookup = deferred<unknown>();
    stored.lookup = lookup;
    const done = measureSensitivityNow(false);
    await settle();
    cancelMeasurement();
    lookup.resolve(null);
    await settle();
    expect(started('measure')).toBe(0);
    await done;
    expect(useStudio.getState().dynamic.phase).toBe('cancelled');
  });

  it('after a model switch a new measurement starts at once, and the old one unwinding later changes nothing', async () => {
    void measureSensitivityNow(true);
    await settle();
    forgetDynamicWork();
    useStudio.setState((s) => ({ dynamic: { ...s.dynamic, phase: 'idle' } })); // as the switch's reducer leaves it
    void measureSensitivityNow(true);
    await settle();
    expect(pool.workers.map((w) => w.calls.measure.length)).toEqual([2, 2, 2]);
    for (const w of pool.workers) w.calls.measure[0]!.result.reject(new CancelledError());
    await settle();
    expect(useStudio.getState().dynamic.phase).toBe('measuring');
  });
});
