// Sensitivity of every quantizable tensor to every candidate type: the imatrix-weighted error
// (cheap, all candidates) and the KL divergence of the model's output when only that tensor is
// quantized (the measured cost). The KL half runs on a replay engine (replay-engine.ts: the CPU
// reference or the GPU), which runs the base forward once and keeps the residual stream entering
// each layer; measure-klds.ts replays from there.
import type { ForwardModel, WeightSource } from '../forward/forward-types.ts';
import { rowBytes, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';
import { candidateTypesFor, DEFAULT_CANDIDATES } from './candidate-types.ts';
import { cpuReplayEngine } from './cpu-replay-engine.ts';
import { completeCosts } from './fit-costs.ts';
import { tensorOf } from './layer-replay.ts';
import { measureKlds, scoredRows } from './measure-klds.ts';
import type { ReplayEngineFactory } from './replay-engine.ts';
import type { MeasureMode, SensitivityTable, TensorSensitivity } from './sensitivity-types.ts';
import { relativeWeightedError, roundTrip, sampleRows } from './weighted-error.ts';

export { blockFieldOf } from './measure-klds.ts';

export interface SensitivityProgress {
  stage: 'error' | 'base' | 'kld';
  done: number;
  total: number;
  tensor?: string;
  type?: GgmlTypeName;
}

export interface MeasureSensitivityOptions {
  plan: ModelPlan;
  model: ForwardModel;
  /** Unquantized weights (planWeights). */
  weights: WeightSource;
  quantizer: RowQuantizer;
  /** Per-column importance by tensor name (ImportanceMatrix.entries), or null. */
  imatrix: ReadonlyMap<string, Float32Array> | null;
  /** Held-out calibration token sequences (BOS first where the model adds it). */
  sequences: readonly (readonly number[])[];
  /** Identity strings for the cache key (see SensitivityKey). */
  key: { model: string; calibration: string | null; imatrix: string | null };
  candidates?: readonly GgmlTypeName[];
  measure?: MeasureMode;
  /** Positions from this fraction of each sequence on are scored (default 0.5: scored tokens see context). */
  scoreFrom?: number;
  /**
   * Rows of a large tensor used for the weighted error (default 512, evenly spaced: the mean over
   * 512 rows of thousands of weights is as good as over all, and six times cheaper on 3072 rows).
   */
  errorRows?: number;
  /** Perturbed copies replayed together (bounds memory: each holds the residual stream). */
  batch?: number;
  signal?: AbortSignal;
  onProgress?: (p: SensitivityProgress) => void;
  /**
   * Measure only this share of the tensors (several workers in parallel, one shard each). A
   * shard's table has only its tensors and no costs filled in: mergeSensitivityShards joins the
   * shards and fills them, since the priors for unmeasured tensors use every tensor's fit.
   */
  shard?: { index: number; count: number };
  /**
   * Where the layers run (cpuReplayEngine by default; the GPU's in src/gpu/forward/gpu-layer-replay.ts):
   * the same measurements, to the engine's precision.
   */
  replay?: ReplayEngineFactory;
}

/** The types to measure the KL of: all, or a low and a middle one ('probe', 'layer'). */
function typesToMeasure(t: TensorSensitivity, mode: MeasureMode): GgmlTypeName[] {
  const types = t.candidates.map((c) => c.type);
  const middle = types[Math.floor((types.length - 1) / 2)];
  if (mode === 'none' || middle === undefined) return [];
  if (mode === 'all' || types.length <= 2) return types;
  return [types[0]!, middle];
}

export async function measureSensitivity(o: MeasureSensitivityOptions): Promise<SensitivityTable> {
  const mode = o.measure ?? 'probe';
  const candidates = [...(o.candidates ?? DEFAULT_CANDIDATES)];
  const hp = o.model.hparams;
  const importance = (name: string) => o.imatrix?.get(name) ?? null;
  const tensors: TensorSensitivity[] = o.plan.tensors
    .map((t) => ({ t, types: candidateTypesFor(t, candidates, o.imatrix !== null) }))
    .filter(({ types }) => types.length > 0)
    .map(({ t, types }) => ({
      name: t.ggufName, role: t.role, layer: t.layer, ne: [...t.ne],
      candidates: types.map((type) => ({ type, bytes: (rowBytes(type, t.ne[0]!) as number) * (t.ne.slice(1).reduce((a, b) => a * b, 1)), weightedError: 0, kld: 0, basis: 'prior' as const })),
    }));
  const allMeasured = new Map(tensors.map((t) => [t.name, typesToMeasure(t, mode)]));
  if (o.shard) {
    const mine = new Set(shardTensors(tensors, allMeasured, hp.layerCount, o.shard.count, mode)[o.shard.index] ?? []);
    tensors.splice(0, tensors.length, ...tensors.filter((t) => mine.has(t.name)));
  }
  const measured = new Map(tensors.map((t) => [t.name, allMeasured.get(t.name)!]));
  const errorUnits = tensors.reduce((s, t) => s + t.candidates.length, 0);
  const kldUnits = [...measured.values()].reduce((s, v) => s + v.length, 0);
  const total = errorUnits + kldUnits;
  let done = 0;
  const tick = (stage: SensitivityProgress['stage'], tensor?: string, type?: GgmlTypeName) => {
    o.signal?.throwIfAborted();
    o.onProgress?.({ stage, done, total, tensor, type });
  };

  const values = async (name: string) => o.weights(tensorOf(o.model, name));

  // The weighted error of every candidate (a row sample of large tensors).
  for (const t of tensors) {
    const sample = sampleRows(await values(t.name), t.ne, o.errorRows ?? 512);
    for (const c of t.candidates) {
      tick('error', t.name, c.type);
      const restored = await roundTrip(o.quantizer, c.type, sample.values, sample.ne, importance(t.name), t.name);
      c.weightedError = relativeWeightedError(sample.values, restored, sample.ne, importance(t.name));
      done++;
    }
  }
  if (kldUnits === 0) {
    if (!o.shard) completeCosts(tensors, hp.layerCount);
    return { format: 'quant-studio-sensitivity', version: 1, key: { ...o.key, candidates, measure: mode }, positions: 0, tensors };
  }

  tick('base');
  const engine = await (o.replay ?? cpuReplayEngine)(o.model, o.weights, o.sequences, o.signal);
  try {
    await measureKlds(o, engine, tensors, measured, mode, (v) => { done += v; }, tick);
  } finally {
    engine.dispose();
  }
  if (!o.shard) completeCosts(tensors, hp.layerCount);
  return { format: 'quant-studio-sensitivity', version: 1, key: { ...o.key, candidates, measure: mode }, positions: scoredRows(o.sequences, o.scoreFrom).length, tensors };
}

/**
 * Splits the tensors into `count` shards of about equal work (longest first onto the least
 * loaded): a KL measurement replays every layer after the tensor's own and runs the head; the
 * error pass is cheap beside it. Deterministic, so every worker computes the same split.
 */
export function shardTensors(
  tensors: readonly TensorSensitivity[], measured: ReadonlyMap<string, readonly GgmlTypeName[]>, layerCount: number, count: number, mode: MeasureMode = 'probe',
): string[][] {
  const replayed = (t: TensorSensitivity) => (t.name === 'output.weight' ? 0 : t.layer === null ? layerCount : layerCount - t.layer);
  const work = (t: TensorSensitivity) => (measured.get(t.name)?.length ?? 0) * (replayed(t) + 1) + 0.05 * t.candidates.length;
  // Mode 'layer' calibrates each layer from its own tensors: a layer's tensors stay together, and
  // cost one layer and a head each plus one replay to the output.
  const units = new Map<string, { names: string[]; w: number; i: number }>();
  for (const [i, t] of tensors.entries()) {
    const key = mode === 'layer' && t.layer !== null ? `layer ${t.layer}` : t.name;
    const unit = units.get(key) ?? { names: [], w: mode === 'layer' && t.layer !== null ? replayed(t) : 0, i };
    unit.names.push(t.name);
    unit.w += mode === 'layer' && t.layer !== null ? 2 + 0.05 * t.candidates.length : work(t);
    units.set(key, unit);
  }
  const shards = Array.from({ length: Math.max(1, count) }, () => ({ names: [] as string[], load: 0 }));
  const order = [...units.values()].sort((a, b) => b.w - a.w || a.i - b.i);
  for (const { names, w } of order) {
    const target = shards.reduce((best, s) => (s.load < best.load ? s : best), shards[0]!);
    target.names.push(...names);
    target.load += w;
  }
  return shards.map((s) => s.names);
}

/** The shards of one measurement as one table: tensors in the plan's order, every cost filled in. */
export function mergeSensitivityShards(plan: ModelPlan, shards: readonly SensitivityTable[]): SensitivityTable {
  if (shards.length === 0) throw new Error('mergeSensitivityShards: no shards');
  const first = shards[0]!;
  for (const s of shards) {
    if (s.positions !== first.positions || JSON.stringify(s.key) !== JSON.stringify(first.key)) throw new Error('mergeSensitivityShards: the shards were measured on different data');
  }
  const byName = new Map(shards.flatMap((s) => s.tensors.map((t) => [t.name, t] as const)));
  const tensors = plan.tensors.map((t) => byName.get(t.ggufName)).filter((t): t is TensorSensitivity => t !== undefined);
  completeCosts(tensors, plan.layerCount);
  return { ...first, tensors };
}
