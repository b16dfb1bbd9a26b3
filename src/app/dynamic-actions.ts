// Dynamic quantization in the studio: the sensitivity measurement (in the dynamic worker, cached
// per model, calibration data, imatrix and candidate list, so edits never re-measure), the budget
// slider (an allocation on every move, locks = the user's heatmap edits), and whole-recipe KL
// measurements for llama.cpp's mixes and for the recipe as exported.
import * as Comlink from 'comlink';
import { allocateTypes } from '../core/dynamic/allocate.ts';
import { budgetRange } from '../core/dynamic/budget-range.ts';
import { mergeSensitivityShards } from '../core/dynamic/measure-sensitivity.ts';
import { predictKld } from '../core/dynamic/predict.ts';
import { baseMixFor } from '../core/dynamic/recipe.ts';
import { checkTableFitsPlan, parseSensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { chooseMixTypes } from '../core/recipe/llama-mixes.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { loadSensitivity, saveSensitivity } from '../io/sensitivity-store.ts';
import { CancelledError, isCancellation } from '../core/cancellation.ts';
import type { DownloadEvent, DynamicWorkerApi, MeasureRequest, MeasureResult, RecipeKld, RecipesRequest, SensitivityProgress, WorkerModelSource } from '../workers/protocol.ts';
import { dynamicWorker, dynamicWorkers } from './analysis-clients.ts';
import { calibrationTexts } from './calibration-data.ts';
import { jobSlot, type Job } from './job-slot.ts';
import { modelIdentity } from './model-identity.ts';
import { exportWorker } from './export-client.ts';
import { imatrixExtraMetadata, mixSummaries } from './mix-choices.ts';
import { setDynamicTypes } from './recipe-actions.ts';
import {
  calibrationIdentity, candidateList, currentMeasurementInputs, currentTable, inputsKey, isCurrent, keptMeasurementMeta, type MeasurementInputs,
} from './measurement-inputs.ts';
import { useStudio, type MeasuredPoint, type StudioState } from './store.ts';
import { namedLadderRungs, verifiedAllocations } from '../core/dynamic/verified-allocation.ts';
import { currentWorkerModelSource } from './worker-model-source.ts';

type Dynamic = StudioState['dynamic'];

/** Context of the held-out chunks: the KL pass scores the second half of each. */
export const MEASURE_CONTEXT = 128;

/** llama.cpp's mixes placed on the frontier chart (those this model and imatrix allow). */
export const FRONTIER_MIXES: readonly MixName[] = [
  'IQ1_S', 'IQ1_M', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ2_M', 'Q2_K', 'IQ3_XXS', 'Q3_K_S', 'Q3_K_M', 'IQ3_M', 'Q3_K_L', 'IQ4_XS', 'Q4_0', 'Q4_K_S', 'Q4_K_M', 'Q5_0', 'Q5_K_S', 'Q5_K_M', 'Q6_K', 'Q8_0',
];

function setDynamic(patch: Partial<Dynamic> | ((d: Dynamic) => Partial<Dynamic>)): void {
  useStudio.setState((s) => ({ dynamic: { ...s.dynamic, ...(typeof patch === 'function' ? patch(s.dynamic) : patch) } }));
}

export { candidateList };

/** Where to measure: the same figures either way (to the forward's precision), so measurements stay. */
export function setMeasurementDevice(device: Dynamic['device']): void {
  setDynamic({ device });
}

export function setDynamicSettings(patch: Partial<Pick<Dynamic, 'candidates' | 'chunks' | 'measure'>>): void {
  // Other settings measure other things: the table on screen no longer answers them.
  setDynamic({ ...patch, phase: 'idle', table: null, inputs: null, sequences: null, range: null, mixes: {}, mixesPhase: 'idle', error: null });
}

/**
 * The loaded importance matrix as the workers will use it, with its content hash, read in one
 * call: a measurement is labelled with the matrix it was given, not with what the page shows.
 */
async function currentImatrix(): Promise<{ entries: Map<string, Float32Array> | null; hash: string | null; name: string | null }> {
  if (useStudio.getState().imatrix.status !== 'ready') return { entries: null, hash: null, name: null };
  const loaded = await exportWorker().currentImatrix();
  return { entries: loaded?.entries ?? null, hash: loaded?.contentHash ?? null, name: loaded?.name ?? null };
}

type DynamicWorker = Comlink.Remote<DynamicWorkerApi>;

/**
 * The sensitivity workers run one job at a time (a measurement, the mixes' KLs, a recipe's KL):
 * each worker refuses a second call while one runs, so the page starts none while one is running.
 */
const measurements = jobSlot<DynamicWorker>('measurement');
let measuring: Job<DynamicWorker> | null = null;

/**
 * Bumped when the open model changes: a measurement (sensitivity, mixes, a recipe) of an older
 * generation that settles later is dropped, never shown on the new model.
 */
let generation = 0;

/**
 * Workers measuring in parallel: each replays the model on the CPU, so they scale with cores.
 * A Hub model has one: every worker would download the weights again.
 */
/** A GPU that is not a software emulation (SwiftShader runs the forward slower than the CPU path). */
export function isRealGpu(backend: StudioState['backend']): boolean {
  return backend?.kind === 'gpu' && !backend.software;
}

const realGpu = () => isRealGpu(useStudio.getState().backend);

/** Where this measurement runs, the 'auto' choice resolved. */
export function measurementDevice(): 'cpu' | 'gpu' {
  const chosen = useStudio.getState().dynamic.device;
  return chosen === 'auto' ? (realGpu() ? 'gpu' : 'cpu') : chosen;
}

export function measurementParallelism(): number {
  // The GPU is one device: one worker feeds it.
  if (useStudio.getState().source.kind === 'hub' || measurementDevice() === 'gpu') return 1;
  // `?workers=N` overrides the guess (a machine with more memory than cores, or a test).
  const asked = Number(new URLSearchParams(globalThis.location?.search ?? '').get('workers'));
  if (Number.isInteger(asked) && asked >= 1 && asked <= 16) return asked;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(4, cores - 1));
}

/** Per-shard progress summed into one bar. */
function shardProgress(count: number, report: ReturnType<typeof progressReporter>) {
  const parts = Array.from({ length: count }, () => ({ done: 0, total: 0, stage: 'error' as SensitivityProgress['stage'] }));
  return (index: number) => (p: SensitivityProgress) => {
    parts[index] = { done: p.done, total: p.total, stage: p.stage };
    const done = parts.reduce((s, x) => s + x.done, 0);
    const total = parts.reduce((s, x) => s + x.total, 0);
    // The slowest stage any worker is in: the bar's label says what is still running.
    const stage = parts.some((x) => x.stage === 'error') ? 'error' : parts.some((x) => x.stage === 'base') ? 'base' : 'kld';
    report({ stage, done, total, tensor: count > 1 ? `${count} workers` : measurementDevice() === 'gpu' ? `on the GPU · ${p.tensor ?? ''}` : p.tensor });
  };
}

/**
 * Time left at the rate of the stage running now. The error pass's steps take a fraction of a KL
 * step, so a rate over the whole run would promise minutes that are hours: the clock restarts with
 * each stage, and before the KL steps (whose count is most of the total) no time is promised.
 */
function progressReporter(): (p: { stage: 'error' | 'base' | 'kld' | 'mixes'; done: number; total: number; tensor?: string }) => void {
  let stage: string | null = null;
  // The stage's latest steps: each worker's first KL step (its replay warming up) soon stops counting.
  let recent: { at: number; done: number }[] = [];
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (stage !== p.stage) {
      stage = p.stage;
      recent = [];
    }
    if (recent.at(-1)?.done !== p.done) recent.push({ at: now, done: p.done });
    if (recent.length > 9) recent.shift();
    if (now - last < 100 && p.done < p.total) return;
    last = now;
    // The stage's first step carries its start-up (a worker's replay warming up): it is left out,
    // and no time is promised before four later steps (it made the first KL estimate 5× too long).
    const from = recent.length > 4 ? recent[1]! : null;
    const steps = from ? p.done - from.done : 0;
    const rate = from ? steps / Math.max(1e-3, (now - from.at) / 1000) : 0;
    const timed = p.stage === 'kld' || p.stage === 'mixes';
    setDynamic({ progress: { ...p, etaSeconds: timed && steps >= 3 && rate > 0 ? (p.total - p.done) / rate : null } });
  };
}

const ignoreDownload = (_e: DownloadEvent) => undefined;

/** Why a measurement cannot start now (null: it can); the panel shows it beside the disabled button. */
export function measurementBlocker(state: StudioState): string | null {
  const { calibration } = state;
  if (calibration.phase === 'running' || calibration.phase === 'preparing') {
    return 'A calibration is running: its importance matrix will replace the one a measurement would use. Measure when it has finished.';
  }
  if (state.imatrix.status === 'loading') return 'The importance matrix is being read.';
  if (state.dynamic.mixesPhase === 'measuring') return 'The mixes are being measured: measure when they have finished.';
  return null;
}

/**
 * A stored result checked as a table file is (OPFS holds what an older version or a crash left):
 * one that does not read, or does not fit the open model, is measured again rather than trusted.
 */
function storedResultFor(value: MeasureResult | null, plan: ModelPlan): MeasureResult | null {
  if (!value || !Array.isArray(value.sequences) || !value.sequences.every((s) => Array.isArray(s) && s.every(Number.isInteger))) return null;
  try {
    const table = parseSensitivityTable(JSON.stringify(value.table), 'stored sensitivity table');
    checkTableFitsPlan(table, plan);
    return { table, sequences: value.sequences, warnings: Array.isArray(value.warnings) ? value.warnings.filter((w) => typeof w === 'string') : [] };
  } catch {
    return null;
  }
}

/**
 * `fresh`: measure even when this model, data and settings were measured before ("Measure again").
 * `storedOnly`: take the stored result or fail, never measure (a kept measurement's "Use it").
 */
export async function measureSensitivityNow(fresh = false, storedOnly = false): Promise<void> {
  const state = useStudio.getState();
  const { source, dynamic, calibration } = state;
  const workerSource = currentWorkerModelSource();
  const model = modelIdentity(source);
  if (!source.plan || !workerSource || !model) {
    setDynamic({ phase: 'error', error: 'No model is open: open a model before measuring' });
    return;
  }
  if (dynamic.phase === 'measuring') return;
  const blocker = measurementBlocker(state);
  if (blocker) {
    setDynamic({ error: blocker });
    return;
  }
  const job = measurements.start();
  if (!job) return; // a recipe's KL is being measured: the button comes back when it is done
  const plan = source.plan;
  const started = generation;
  measuring = job;
  setDynamic({ phase: 'measuring', progress: null, error: null, warnings: [] });
  try {
    const texts = await calibrationTexts();
    const imatrix = await currentImatrix();
    // The calibration's own chunks come first; the held-out chunks are the stream's tail.
    const calibrationChunks = Math.ceil((calibration.maxChunks * calibration.contextSize) / MEASURE_CONTEXT);
    const request: MeasureRequest = {
      data: { ...texts, contextSize: MEASURE_CONTEXT, maxChunks: calibrationChunks + dynamic.chunks },
      chunks: dynamic.chunks, modelId: model, candidates: candidateList(dynamic.candidates), measure: dynamic.measure,
      imatrix: imatrix.entries, backend: measurementDevice(),
    };
    // What this result is computed from, by content: the cache key and the label it is shown with.
    const inputs: MeasurementInputs = {
      model, imatrix: imatrix.hash, imatrixName: imatrix.name,
      calibration: calibrationIdentity(texts.datasetKey, calibration.contextSize, calibration.maxChunks),
      candidates: request.candidates, measure: request.measure, chunks: request.chunks,
    };
    if (job.cancelled) throw new CancelledError('The measurement was cancelled');
    const cacheKey = inputsKey(inputs);
    const stored = fresh ? null : await loadSensitivity<MeasureResult>(cacheKey).then((v) => storedResultFor(v, plan), () => null);
    // The table names the imatrix it was measured with: a stored one must agree with the key.
    const cached = stored && stored.table.key.imatrix === inputs.imatrix ? stored : null;
    if (!cached && storedOnly) throw new Error('The kept measurement is no longer stored (or no longer fits these inputs): measure again.');
    const result = cached ?? await measureInShards(workerSource, request, plan, job);
    // Kept with what it was measured on, to be offered when this model is opened again (kept-measurement.ts).
    const meta = keptMeasurementMeta(state, inputs, result.table);
    const kept = !cached && await saveSensitivity(cacheKey, result, meta).catch(() => false); // without OPFS: this session only
    if (!measurements.isRunning(job) || started !== generation) return;
    // Cancelled while the stored result was read (no worker to reject): still cancelled.
    if (job.cancelled) throw new CancelledError('The measurement was cancelled');
    setDynamic({
      phase: 'ready', table: result.table, inputs, sequences: result.sequences, warnings: result.warnings, progress: null, mixes: {}, mixesPhase: 'idle', exported: null,
      ...(kept ? { kept: { key: cacheKey, savedAt: Date.now(), ...meta } } : {}),
    });
    refreshMixPoints();
    // The slider starts where the recipe is; the recipe itself changes only when the user moves it.
    const allocation = allocationInputs();
    if (allocation) {
      const range = budgetRange(allocation.plan, allocation.table, allocation.locked, allocation.allowed);
      const { recipe, dynamic: d } = useStudio.getState();
      setDynamic({ range, targetBpw: Math.min(range.max, Math.max(range.min, d.targetBpw ?? recipe.bitsPerWeight)) });
    }
  } catch (e) {
    if (!measurements.isRunning(job) || started !== generation) return;
    if (job.cancelled || isCancellation(e)) setDynamic({ phase: 'cancelled', progress: null });
    else setDynamic({ phase: 'error', error: (e as Error).message, progress: null });
  } finally {
    measurements.finish(job);
    if (measuring === job) measuring = null;
  }
}

async function measureInShards(workerSource: WorkerModelSource, request: MeasureRequest, plan: ModelPlan, job: Job<DynamicWorker>): Promise<MeasureResult> {
  const count = measurementParallelism();
  // Recorded before any is called: a cancel from now on stops exactly these shards.
  const workers = job.use(dynamicWorkers(count));
  const progress = shardProgress(count, progressReporter());
  const shards = await Promise.all(workers.map((w, index) =>
    w.measure(workerSource, count > 1 ? { ...request, shard: { index, count } } : request, Comlink.proxy(progress(index)), Comlink.proxy(ignoreDownload)),
  )).catch(async (e: unknown) => {
    // One shard failing stops the others: their work alone is of no use.
    await Promise.all(workers.map((w) => w.cancel()));
    throw e;
  });
  if (count === 1) return shards[0]!;
  return { table: mergeSensitivityShards(plan, shards.map((r) => r.table)), sequences: shards[0]!.sequences, warnings: shards[0]!.warnings };
}

/**
 * Cancels whatever the sensitivity workers run for the page (a measurement, the mixes, a recipe):
 * exactly the workers that job started. `reason`: shown when the studio, not the user, cancelled it.
 */
export function cancelMeasurement(reason?: string): void {
  if (measurements.cancel() && reason) setDynamic({ warnings: [reason] });
}

/**
 * Another model is being opened: every sensitivity worker stops what it runs for the old one
 * (measurement, mixes, a recipe), and whatever of it settles later is dropped.
 */
export function forgetDynamicWork(): void {
  generation++;
  measurements.cancel();
}

// A measurement whose importance matrix is replaced or removed under it would describe the old
// one: it is cancelled (Calibrate is disabled meanwhile; a picked or removed file does this).
useStudio.subscribe((state, previous) => {
  const job = measuring;
  if (!job || job.cancelled || state.imatrix === previous.imatrix) return;
  const now = state.imatrix.status === 'ready' ? state.imatrix.contentHash : state.imatrix.status === 'loading' ? 'loading' : null;
  const then = previous.imatrix.status === 'ready' ? previous.imatrix.contentHash : previous.imatrix.status === 'loading' ? 'loading' : null;
  if (now !== then) cancelMeasurement('The importance matrix changed while measuring: the measurement was stopped, as it would have described the previous one. Measure again.');
});

function locks(): Map<string, GgmlTypeName> {
  return new Map(Object.entries(useStudio.getState().recipe.overrides));
}

function allocationInputs() {
  const state = useStudio.getState();
  const { source, dynamic, imatrix } = state;
  const table = currentTable(state);
  if (!source.plan || !table) return null;
  return {
    plan: source.plan, table, locked: locks(), allowed: candidateList(dynamic.candidates),
    extraMetadata: imatrixExtraMetadata(imatrix.status === 'ready' ? imatrix : null),
  };
}

/** An allocation's types become the dynamic recipe (the quantizable tensors'; the rest follow the base mix). */
function applyAllocation(plan: ModelPlan, allocated: TensorTypes): void {
  const types: Record<string, GgmlTypeName> = {};
  for (const t of plan.tensors) if (t.quantizable) types[t.ggufName] = allocated.get(t.ggufName)!;
  setDynamicTypes(types, baseMixFor(plan, allocated));
}

/** Allocates for `bpw` (clamped to what the types and locks allow) and makes it the recipe. */
export function applyBudget(bpw: number): void {
  const inputs = allocationInputs();
  if (!inputs) return;
  const range = budgetRange(inputs.plan, inputs.table, inputs.locked, inputs.allowed);
  const target = Math.min(range.max, Math.max(range.min, bpw));
  try {
    const allocation = allocateTypes({ ...inputs, target: { bitsPerWeight: target }, fileType: 0, effort: 'interactive' });
    setDynamic({ targetBpw: target, range, error: null, wholeCheck: null });
    applyAllocation(inputs.plan, allocation.types);
  } catch (e) {
    setDynamic({ range, error: (e as Error).message });
  }
}

/** After a lock changes: the same budget, re-allocated around it. */
export function reallocateIfDynamic(): void {
  const { recipe, dynamic } = useStudio.getState();
  if (recipe.dynamic && dynamic.targetBpw !== null) applyBudget(dynamic.targetBpw);
}

/** Each frontier mix's size and predicted KL (measured KLs kept where already measured). */
export function refreshMixPoints(): void {
  const state = useStudio.getState();
  const { source, dynamic, imatrix } = state;
  const table = currentTable(state);
  if (!source.plan || !table) return;
  const hasImatrix = imatrix.status === 'ready';
  const summaries = mixSummaries(source.plan, hasImatrix, imatrixExtraMetadata(hasImatrix ? imatrix : null));
  const points: Partial<Record<MixName, MeasuredPoint>> = {};
  for (const mix of FRONTIER_MIXES) {
    const s = summaries[mix];
    if (!s?.ok) continue;
    const types = mixTypes(source.plan, mix, hasImatrix);
    const previous = dynamic.mixes[mix];
    points[mix] = {
      fileBytes: s.totalBytes, bitsPerWeight: s.bitsPerWeight, predictedKld: predictKld(table, types),
      measuredKld: previous?.measuredKld ?? null, sameTop: previous?.sameTop ?? null,
    };
  }
  setDynamic({ mixes: points });
}

/** The mix's own types (no edits): the rules the mix picker and the export use. */
function mixTypes(plan: ModelPlan, mix: MixName, hasImatrix: boolean): TensorTypes {
  return chooseMixTypes(plan, { mix, hasImatrix });
}

/**
 * The table's inputs if they are still the studio's and `imatrixHash` is the one they were measured
 * with: whole-recipe KLs are measured on the table's held-out chunks with its imatrix, and join it
 * only if nothing changed meanwhile (another model, matrix, data or measurement).
 */
function stillCurrent(started: number, inputs: MeasurementInputs, imatrixHash: string | null): boolean {
  const state = useStudio.getState();
  return started === generation && state.dynamic.inputs === inputs && inputs.imatrix === imatrixHash
    && isCurrent(inputs, currentMeasurementInputs(state));
}

/** Whole recipes measured on the held-out chunks, dealt out to the workers (each also runs the base forward once). */
async function measureWhole(
  job: Job<DynamicWorker>, workerSource: WorkerModelSource, on: { sequences: number[][]; imatrix: Map<string, Float32Array> | null },
  recipes: RecipesRequest['recipes'], started: number,
): Promise<RecipeKld[]> {
  const report = progressReporter();
  const workers = job.use(dynamicWorkers(Math.min(measurementParallelism(), recipes.length)));
  const parts = workers.map(() => ({ done: 0, total: 0 }));
  const groups = await Promise.all(workers.map((w, i) => w.measureRecipes(workerSource, {
    sequences: on.sequences, imatrix: on.imatrix, backend: measurementDevice(),
    recipes: recipes.filter((_, k) => k % workers.length === i),
  }, Comlink.proxy((p: { done: number; total: number; recipe: string }) => {
    if (started !== generation) return;
    parts[i] = { done: p.done, total: p.total };
    report({ stage: 'mixes', done: parts.reduce((s, x) => s + x.done, 0), total: parts.reduce((s, x) => s + x.total, 0), tensor: p.recipe });
  }))));
  return groups.flat();
}

/** Measures the KL of every frontier mix on the held-out chunks (one full forward each). */
export async function measureMixes(): Promise<void> {
  const state = useStudio.getState();
  const { source, dynamic } = state;
  const workerSource = currentWorkerModelSource();
  const table = currentTable(state);
  if (!source.plan || !table || !dynamic.inputs || !dynamic.sequences || !workerSource || dynamic.mixesPhase === 'measuring') return;
  const job = measurements.start();
  if (!job) return; // the workers are measuring already (the panel disables the button meanwhile)
  const plan = source.plan;
  const inputs = dynamic.inputs;
  const sequences = dynamic.sequences;
  const started = generation;
  const hasImatrix = state.imatrix.status === 'ready';
  const mixes = Object.keys(dynamic.mixes) as MixName[];
  setDynamic({ mixesPhase: 'measuring', error: null });
  try {
    const imatrix = await currentImatrix();
    if (!stillCurrent(started, inputs, imatrix.hash)) throw new CancelledError('The inputs changed');
    const recipes = mixes.map((mix) => ({ id: mix, types: [...mixTypes(plan, mix, hasImatrix)] }));
    const results = await measureWhole(job, workerSource, { sequences, imatrix: imatrix.entries }, recipes, started);
    if (!measurements.isRunning(job)) return; // a newer job has the workers and the page
    if (job.cancelled || !stillCurrent(started, inputs, imatrix.hash)) throw new CancelledError('The inputs changed');
    setDynamic((d) => {
      const next = { ...d.mixes };
      for (const r of results) {
        const point = next[r.id as MixName];
        if (point) next[r.id as MixName] = { ...point, measuredKld: r.kld, sameTop: r.sameTop };
      }
      return { mixes: next, mixesPhase: 'done', progress: null };
    });
  } catch (e) {
    if (started !== generation || !measurements.isRunning(job)) return; // another model's page, or a newer job's
    const cancelled = job.cancelled || isCancellation(e);
    setDynamic({ mixesPhase: cancelled ? 'idle' : 'error', error: cancelled ? null : (e as Error).message, progress: null });
  } finally {
    measurements.finish(job);
  }
}

/** The recipe as it stands (after an export: as exported), predicted and measured on the held-out chunks. */
export async function measureCurrentRecipe(label: string): Promise<void> {
  const state = useStudio.getState();
  const { source, dynamic, recipe } = state;
  const workerSource = currentWorkerModelSource();
  const table = currentTable(state);
  if (!source.plan || !table || !dynamic.inputs || !dynamic.sequences || !recipe.types || !workerSource) return;
  const types = recipe.types;
  const inputs = dynamic.inputs;
  const sequences = dynamic.sequences;
  const started = generation;
  const point = {
    label, fileBytes: recipe.totalBytes, bitsPerWeight: recipe.bitsPerWeight, predictedKld: predictKld(table, types),
    measuredKld: null, sameTop: null,
  };
  setDynamic({ exported: point });
  // While the workers measure something else, the prediction alone is shown.
  const job = measurements.start();
  if (!job) return;
  try {
    const imatrix = await currentImatrix();
    if (!stillCurrent(started, inputs, imatrix.hash)) return;
    const [worker] = job.use([dynamicWorker()]);
    const [result] = await worker!.measureRecipes(workerSource, {
      sequences, imatrix: imatrix.entries, backend: measurementDevice(), recipes: [{ id: label, types: [...types] }],
    });
    if (job.cancelled || !stillCurrent(started, inputs, imatrix.hash)) return;
    setDynamic((d) => (d.exported?.label === label ? { exported: { ...point, measuredKld: result!.kld, sameTop: result!.sameTop } } : {}));
  } catch (e) {
    if (started !== generation || job.cancelled || isCancellation(e)) return;
    setDynamic({ error: `Measuring ${label}: ${(e as Error).message}` });
  } finally {
    measurements.finish(job);
  }
}

/** How many nearby recipes the whole-recipe check then measures (0: none); the table stays. */
export function setRefineCount(refine: number): void {
  setDynamic({ refine });
}

/**
 * The slider's recipe checked whole: the allocation at its size, those at the sizes of llama.cpp's
 * smaller mixes and those mixes themselves are each measured on the held-out chunks (one whole
 * forward each), and the best that fits becomes the recipe. The allocator adds up per-tensor costs, which can
 * rank a larger allocation above a smaller one that measures better; the CLI's `plan` does the same.
 * With `refine` set, a local search from that best measures as many nearby recipes of the same size
 * and keeps the changes that measured better beyond the chunks' noise (`plan --refine`).
 */
export async function checkBudgetWhole(): Promise<void> {
  const state = useStudio.getState();
  const { dynamic, recipe } = state;
  const workerSource = currentWorkerModelSource();
  const alloc = allocationInputs();
  if (!alloc || !recipe.dynamic || !dynamic.inputs || !dynamic.sequences || !workerSource || dynamic.wholeCheck?.phase === 'measuring') return;
  const job = measurements.start();
  if (!job) return;
  const { inputs, sequences } = dynamic;
  const started = generation;
  const targetBytes = recipe.totalBytes;
  const hasImatrix = state.imatrix.status === 'ready';
  const rungs = namedLadderRungs(alloc.plan, hasImatrix, alloc.extraMetadata);
  setDynamic({ wholeCheck: { phase: 'measuring', targetBytes }, error: null });
  try {
    const imatrix = await currentImatrix();
    if (!stillCurrent(started, inputs, imatrix.hash)) throw new CancelledError('The inputs changed');
    const [verified] = await verifiedAllocations({
      ...alloc, rungs: rungs.map((r) => r.bytes), mixes: rungs, refine: dynamic.refine,
      measure: (recipes) => measureWhole(job, workerSource, { sequences, imatrix: imatrix.entries }, recipes.map((r) => ({ id: r.id, types: [...r.types] })), started),
    }, [targetBytes]);
    if (!measurements.isRunning(job)) return;
    if (job.cancelled || !stillCurrent(started, inputs, imatrix.hash)) throw new CancelledError('The inputs changed');
    const v = verified!;
    const replaced = v.allocation !== v.own.allocation;
    if (replaced) applyAllocation(alloc.plan, v.allocation.types);
    setDynamic({
      progress: null,
      wholeCheck: {
        phase: 'done', targetBytes, measuredCount: v.measuredCount - (v.refined?.measuredCount ?? 0), ownKld: v.own.measuredKld, chosenKld: v.measuredKld,
        chosenBytes: v.allocation.fileBytes, chosenMix: v.chosenMix,
        chosenRung: replaced && !v.chosenMix ? rungs.find((r) => r.bytes === v.chosenBudget)?.mix ?? null : null,
        refined: v.refined ? { measuredCount: v.refined.measuredCount, kept: v.refined.kept, startKld: v.refined.startKld } : null,
      },
    });
  } catch (e) {
    if (started !== generation || !measurements.isRunning(job)) return;
    const cancelled = job.cancelled || isCancellation(e);
    setDynamic({ wholeCheck: null, progress: null, error: cancelled ? null : `Checking the recipe whole: ${(e as Error).message}` });
  } finally {
    measurements.finish(job);
  }
}
