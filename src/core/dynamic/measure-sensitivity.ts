// Sensitivity of every quantizable tensor to every candidate type: the imatrix-weighted error
// (cheap, all candidates) and the KL divergence of the model's output when only that tensor is
// quantized (the measured cost). The base forward runs once and keeps the residual stream
// entering each layer; a perturbed tensor of layer L replays layers L.. from there, a batch of
// perturbed copies at a time, so each later layer's weights are read once per batch.
import type { BlockWeights } from '../forward/block-weights.ts';
import { blockTensorName } from '../forward/block-weights.ts';
import type { ForwardBackend, ForwardModel, WeightSource } from '../forward/forward-types.ts';
import { rowBytes, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';
import { candidateTypesFor, DEFAULT_CANDIDATES } from './candidate-types.ts';
import { backendLogProbs, scoredFrom, withReplaced } from './backend-log-probs.ts';
import { completeCosts } from './fit-costs.ts';
import { embed, loadLayer, prepareReplay, runLayer, tensorOf } from './layer-replay.ts';
import { logitsAt, meanKld, toLogProbs } from './output-kld.ts';
import type { MeasureMode, SensitivityTable, TensorSensitivity } from './sensitivity-types.ts';
import { relativeWeightedError, roundTrip, sampleRows } from './weighted-error.ts';

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
   * Measure the KL with whole forwards on this backend (the WebGPU forward) instead of replaying
   * layers on the CPU from cached activations: the same figures to the backend's precision.
   */
  forward?: ForwardBackend;
}

interface Variant { tensor: TensorSensitivity; type: GgmlTypeName; hidden: Float32Array; output?: Float32Array }

/** The types to measure the KL of: all, or a low and a middle one ('probe', 'layer'). */
function typesToMeasure(t: TensorSensitivity, mode: MeasureMode): GgmlTypeName[] {
  const types = t.candidates.map((c) => c.type);
  const middle = types[Math.floor((types.length - 1) / 2)];
  if (mode === 'none' || middle === undefined) return [];
  if (mode === 'all' || types.length <= 2) return types;
  return [types[0]!, middle];
}

/** Positions the output head reads for a 'layer' estimate (the calibration absorbs the subset). */
const DIRECT_ROWS = 64;

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
    const cols = t.ne[0]!;
    const sample = sampleRows(await values(t.name), cols, o.errorRows ?? 512);
    for (const c of t.candidates) {
      tick('error', t.name, c.type);
      c.weightedError = relativeWeightedError(sample, await roundTrip(o.quantizer, c.type, sample, cols, importance(t.name)), cols, importance(t.name));
      done++;
    }
  }
  if (kldUnits === 0) {
    if (!o.shard) completeCosts(tensors, hp.layerCount);
    return { format: 'quant-studio-sensitivity', version: 1, key: { ...o.key, candidates, measure: mode }, positions: 0, tensors };
  }

  tick('base');
  if (o.forward) {
    await measureOnBackend(o, o.forward, tensors, measured, (t, type) => tick('kld', t, type), () => { done++; });
    if (!o.shard) completeCosts(tensors, hp.layerCount);
    const positions = o.sequences.reduce((n, s, i) => n + s.length - scoredFrom(o.sequences, o.scoreFrom)[i]!, 0);
    return { format: 'quant-studio-sensitivity', version: 1, key: { ...o.key, candidates, measure: mode }, positions, tensors };
  }
  const replay = await prepareReplay(o.model, o.weights, o.sequences);
  const scored = replay.spans.flatMap((s) => {
    const from = Math.min(s.length - 1, Math.floor(s.length * (o.scoreFrom ?? 0.5)));
    return Array.from({ length: s.length - from }, (_, i) => s.start + from + i);
  });
  const outputName = o.model.tensors.has('output.weight') ? 'output.weight' : 'token_embd.weight';
  const norm = await values('output_norm.weight');
  const baseOutput = await values(outputName);
  const layerInputs: Float32Array[] = [];
  const hidden = embed(replay, await values('token_embd.weight'));
  for (let l = 0; l < hp.layerCount; l++) {
    layerInputs.push(hidden.slice());
    runLayer(replay, l, await loadLayer(replay, l), hidden);
  }
  const baseLogProbs = toLogProbs(logitsAt(hp, hidden, scored, norm, baseOutput), hp.vocabSize);
  const finalHidden = hidden;

  const perturbed = async (t: TensorSensitivity, type: GgmlTypeName) =>
    roundTrip(o.quantizer, type, await values(t.name), t.ne[0]!, importance(t.name));
  const finish = (v: Variant) => {
    const lp = toLogProbs(logitsAt(hp, v.hidden, scored, norm, v.output ?? baseOutput), hp.vocabSize);
    const c = v.tensor.candidates.find((x) => x.type === v.type)!;
    c.measuredKld = meanKld(baseLogProbs, lp, hp.vocabSize);
    done++;
    tick('kld', v.tensor.name, v.type);
  };
  /** Replays layers from..end on every variant of the batch, then scores them. */
  const replayFrom = async (from: number, batch: Variant[]) => {
    for (let l = from; l < hp.layerCount; l++) {
      const w = await loadLayer(replay, l);
      for (const v of batch) runLayer(replay, l, w, v.hidden);
    }
    for (const v of batch) finish(v);
  };
  const batchSize = Math.max(1, o.batch ?? 16);

  for (const t of tensors) {
    if (t.layer !== null && blockFieldOf(t.name, t.layer)) continue;
    for (const type of measured.get(t.name)!) {
      tick('kld', t.name, type);
      const q = await perturbed(t, type);
      if (t.name === 'output.weight') finish({ tensor: t, type, hidden: finalHidden, output: q });
      else if (t.name === 'token_embd.weight') {
        const v: Variant = { tensor: t, type, hidden: embed(replay, q), output: outputName === t.name ? q : undefined };
        await replayFrom(0, [v]);
      } else {
        // A tensor the block function does not read (none in the supported architectures): no KL.
        done++;
      }
    }
  }
  /**
   * Mode 'layer': each tensor quantized runs its own layer only, and the output head reads that
   * layer's output directly (the later layers skipped) at up to DIRECT_ROWS of the scored
   * positions: the "direct" KL. It tracks the true KL within a layer to about ±25% (measured on
   * tiny-llama-10m: the true KL is 0.5-0.9 times the direct one, uniformly within each layer,
   * where the squared change of the layer's output misses by tenfold between q/k and
   * o/down). The tensor with the largest direct KL is replayed through the later layers and
   * measured; its true-over-direct ratio calibrates the rest of its layer.
   */
  const directRows = scored.filter((_, i) => i % Math.max(1, Math.ceil(scored.length / DIRECT_ROWS)) === 0);
  const estimateLayer = async (layer: number, base: BlockWeights, jobs: readonly { t: TensorSensitivity; type: GgmlTypeName }[]) => {
    const output = layer + 1 < hp.layerCount ? layerInputs[layer + 1]! : finalHidden;
    const direct = (h: Float32Array) => toLogProbs(logitsAt(hp, h, directRows, norm, baseOutput), hp.vocabSize);
    const baseDirect = direct(output);
    const variants: (Variant & { directKld: number })[] = [];
    for (const { t, type } of jobs) {
      tick('kld', t.name, type);
      const h = layerInputs[layer]!.slice();
      runLayer(replay, layer, { ...base, [blockFieldOf(t.name, layer)!]: await perturbed(t, type) }, h);
      variants.push({ tensor: t, type, hidden: h, directKld: meanKld(baseDirect, direct(h), hp.vocabSize) });
    }
    const calibrator = variants.reduce((a, b) => (b.directKld > a.directKld ? b : a));
    await replayFrom(layer + 1, [calibrator]);
    const measuredKld = calibrator.tensor.candidates.find((c) => c.type === calibrator.type)!.measuredKld!;
    const gain = calibrator.directKld > 0 ? measuredKld / calibrator.directKld : 1;
    for (const v of variants) {
      if (v === calibrator) continue;
      v.tensor.candidates.find((c) => c.type === v.type)!.estimatedKld = gain * v.directKld;
      done++;
      tick('kld', v.tensor.name, v.type);
    }
  };

  for (let layer = 0; layer < hp.layerCount; layer++) {
    const inLayer = tensors.filter((t) => t.layer === layer && blockFieldOf(t.name, layer));
    const jobs = inLayer.flatMap((t) => measured.get(t.name)!.map((type) => ({ t, type })));
    if (jobs.length === 0) continue;
    const base = await loadLayer(replay, layer);
    if (mode === 'layer') {
      await estimateLayer(layer, base, jobs);
      continue;
    }
    for (let j = 0; j < jobs.length; j += batchSize) {
      const batch: Variant[] = [];
      for (const { t, type } of jobs.slice(j, j + batchSize)) {
        tick('kld', t.name, type);
        const w: BlockWeights = { ...base, [blockFieldOf(t.name, layer)!]: await perturbed(t, type) };
        const h = layerInputs[layer]!.slice();
        runLayer(replay, layer, w, h);
        batch.push({ tensor: t, type, hidden: h });
      }
      await replayFrom(layer + 1, batch);
    }
  }
  if (!o.shard) completeCosts(tensors, hp.layerCount);
  return { format: 'quant-studio-sensitivity', version: 1, key: { ...o.key, candidates, measure: mode }, positions: scored.length, tensors };
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

/** Every measurement a whole forward on `forward`: the base once, then one per (tensor, type). */
async function measureOnBackend(
  o: MeasureSensitivityOptions, forward: ForwardBackend, tensors: readonly TensorSensitivity[], measured: ReadonlyMap<string, readonly GgmlTypeName[]>,
  tick: (tensor: string, type: GgmlTypeName) => void, finished: () => void,
): Promise<void> {
  const from = scoredFrom(o.sequences, o.scoreFrom);
  const vocab = o.model.hparams.vocabSize;
  const base = await backendLogProbs(forward, o.model, o.weights, o.sequences, from);
  for (const t of tensors) {
    for (const type of measured.get(t.name)!) {
      tick(t.name, type);
      const values = await o.weights(tensorOf(o.model, t.name));
      const restored = await roundTrip(o.quantizer, type, values, t.ne[0]!, o.imatrix?.get(t.name) ?? null);
      const lp = await backendLogProbs(forward, o.model, withReplaced(o.weights, new Map([[t.name, restored]])), o.sequences, from);
      t.candidates.find((c) => c.type === type)!.measuredKld = meanKld(base, lp, vocab);
      finished();
      tick(t.name, type);
    }
  }
}

const FIELDS: (keyof BlockWeights)[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** Which matrix of the block a tensor is, or null for tensors the block reads otherwise. */
export function blockFieldOf(name: string, layer: number): keyof BlockWeights | null {
  return FIELDS.find((f) => blockTensorName(layer, f) === name) ?? null;
}
