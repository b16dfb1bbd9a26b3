// Opening a model is a switch: the previous model's jobs are cancelled, and an open that a newer
// one superseded leaves no trace (its result, its error, its download events). Workers are stand-ins.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../core/cancellation.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import type { DownloadEvent } from '../workers/protocol.ts';
import { fakeWorker, settle } from './test-workers.node.ts';

const fakes = vi.hoisted(() => ({
  exporter: null as ReturnType<typeof import('./test-workers.node.ts')['fakeWorker']> | null,
  dynamic: [] as ReturnType<typeof import('./test-workers.node.ts')['fakeWorker']>[],
}));

vi.mock('./export-client.ts', () => ({ exportWorker: () => fakes.exporter!.worker }));
vi.mock('./analysis-clients.ts', async () => (await import('./test-workers.node.ts')).fakeAnalysisClients(() => fakes.dynamic));
vi.mock('./calibration-data.ts', async () => (await import('./test-workers.node.ts')).fakeCalibrationData);
vi.mock('../io/checkpoint-store.ts', () => ({
  listCheckpointMetas: async () => [], readCheckpoint: async () => null, removeCheckpoint: async () => undefined, saveCheckpoint: async () => undefined,
}));

const { openHubModel } = await import('./hub-actions.ts');
const { openModelFiles } = await import('./source-actions.ts');
const { measureMixes } = await import('./dynamic-actions.ts');
const { setMeasuredTable } = await import('./test-measured.node.ts');
const { useStudio } = await import('./store.ts');
const { fixturePlan } = await import('./test-plans.node.ts');

let plan: ModelPlan;
beforeAll(async () => {
  plan = await fixturePlan('stories260K');
});

const form = (modelId: string) => ({ ...useStudio.getState().hubForm, modelId, endpoint: 'http://127.0.0.1:1' });
const pin = (repo: string) => ({ repo, revision: 'main', commit: 'c'.repeat(40), endpoint: 'http://127.0.0.1:1' });
const cacheEvent = (bytes: number): DownloadEvent => ({ kind: 'cache', file: 'model.safetensors', bytes });
const openHubCall = (i: number) => fakes.exporter!.calls.openHub[i]!;
const hubListener = (i: number) => openHubCall(i).args[1] as (e: DownloadEvent) => void;

beforeEach(() => {
  fakes.exporter = fakeWorker(['open', 'openHub', 'cacheSize', 'clearImatrix', 'currentImatrix'] as const);
  fakes.dynamic = [0, 1].map(() => fakeWorker(['measure', 'measureRecipes'] as const));
  useStudio.setState(useStudio.getInitialState(), true);
});

afterEach(async () => {
  for (const c of Object.values(fakes.exporter!.calls).flat()) c.result.reject(new CancelledError());
  for (const w of fakes.dynamic) for (const c of w.calls.measureRecipes) c.result.reject(new CancelledError());
  await settle();
});

describe('a superseded open', () => {
  it('shows neither its result nor its download events, and the newer open keeps its own', async () => {
    const first = openHubModel(form('owner/first'));
    await settle();
    const second = openHubModel(form('owner/second'));
    await settle();
    hubListener(1)(cacheEvent(10));
    hubListener(0)(cacheEvent(1000)); // the first open's session, still winding down
    expect(useStudio.getState().download.cacheBytes).toBe(10);

    openHubCall(1).result.resolve({ label: 'owner/second', plan, pin: pin('owner/second'), fileCount: 2 });
    await second;
    openHubCall(0).result.resolve({ label: 'owner/first', plan, pin: pin('owner/first'), fileCount: 2 });
    await first;
    expect(useStudio.getState().source).toMatchObject({ status: 'ready', label: 'owner/second', identity: `hub:owner/second@${'c'.repeat(40)}` });
    hubListener(0)(cacheEvent(1000));
    expect(useStudio.getState().download.cacheBytes).toBe(10);
  });

  it('does not show its failure over the newer model', async () => {
    const first = openHubModel(form('owner/first'));
    await settle();
    const second = openModelFiles([{ path: 'config.json', blob: new Blob(['{}']) }]);
    await settle();
    fakes.exporter!.calls.open[0]!.result.resolve({ label: 'folder', plan });
    await second;
    openHubCall(0).result.reject(new Error('HTTP 404'));
    await first;
    expect(useStudio.getState().source).toMatchObject({ status: 'ready', kind: 'folder', label: 'folder', error: null });
  });
});

describe('opening a model', () => {
  it('cancels the previous model\'s mixes measurement and drops what it returns', async () => {
    const opened = openModelFiles([{ path: 'config.json', blob: new Blob(['{}']) }]);
    await settle();
    fakes.exporter!.calls.open[0]!.result.resolve({ label: 'a', plan });
    await opened;
    setMeasuredTable(['Q8_0']);
    const mixes = measureMixes();
    await settle();
    const call = fakes.dynamic[0]!.calls.measureRecipes[0]!;

    void openModelFiles([{ path: 'other/config.json', blob: new Blob(['{ }']) }]);
    expect(fakes.dynamic[0]!.worker.cancel).toHaveBeenCalled();
    call.result.resolve([{ id: 'Q8_0', kld: 0.5, sameTop: 0.9 }]);
    await mixes;
    expect(useStudio.getState().dynamic).toMatchObject({ mixes: {}, mixesPhase: 'idle' });
  });

  it('that fails keeps the model before it, with its edits, and names what failed', async () => {
    const opened = openModelFiles([{ path: 'config.json', blob: new Blob(['{}']) }]);
    await settle();
    fakes.exporter!.calls.open[0]!.result.resolve({ label: 'a', plan });
    await opened;
    const tensor = Object.keys(useStudio.getState().recipe.types!)[0]!;
    useStudio.setState((s) => ({ recipe: { ...s.recipe, overrides: { [tensor]: 'Q8_0' } } }));
    const before = useStudio.getState();

    const failing = openHubModel(form('owner/missing'));
    await settle();
    expect(useStudio.getState().source.status).toBe('planning');
    openHubCall(0).result.reject(new Error('HTTP 404: no such repo'));
    await failing;
    const after = useStudio.getState();
    expect(after.source).toMatchObject({ status: 'ready', label: 'a', identity: before.source.identity, plan: before.source.plan });
    expect(after.source.error).toBe('owner/missing: HTTP 404: no such repo');
    expect(after.recipe.overrides).toEqual({ [tensor]: 'Q8_0' });
    expect(after.recipe.types).toEqual(before.recipe.types);
    // The worker still holds the old model: nothing told it to forget its imatrix.
    expect(fakes.exporter!.worker.clearImatrix).not.toHaveBeenCalled();
  });

  it('that fails twice in a row still goes back to the model open before both', async () => {
    const opened = openModelFiles([{ path: 'config.json', blob: new Blob(['{}']) }]);
    await settle();
    fakes.exporter!.calls.open[0]!.result.resolve({ label: 'a', plan });
    await opened;
    const failing = openHubModel(form('owner/missing'));
    await settle();
    openHubCall(0).result.reject(new Error('HTTP 404'));
    await failing;
    const next = openHubModel(form('owner/next'));
    await settle();
    openHubCall(1).result.reject(new Error('HTTP 401'));
    await next;
    // Still the first model: a failed open never becomes the model to go back to.
    expect(useStudio.getState().source).toMatchObject({ status: 'ready', label: 'a', error: 'owner/next: HTTP 401' });
  });
});
