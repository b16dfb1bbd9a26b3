// The KL half of the sensitivity pass, on any replay engine: each perturbed tensor of layer L
// runs layer L from the base pass's cached input, then either replays the later layers (modes
// 'all' and 'probe', a batch of perturbed copies at a time, so each later layer's weights are
// read once per batch) or is read directly at its layer's output (mode 'layer').
import { blockTensorName, type BlockWeights } from '../forward/block-weights.ts';
import type { GgmlTypeName } from '../ggml-type.ts';
import { tensorOf } from './layer-replay.ts';
import type { MeasureRecipesOptions } from './measure-recipes.ts';
import type { ReplayEngine, ReplayState } from './replay-engine.ts';
import type { MeasureMode, TensorSensitivity } from './sensitivity-types.ts';
import { roundTrip } from './weighted-error.ts';

/** What measureSensitivity passes on: the model, its weights and quantizer, the held-out data. */
export type KldJobsOptions = Pick<MeasureRecipesOptions, 'model' | 'weights' | 'quantizer' | 'imatrix' | 'sequences' | 'scoreFrom'> & {
  /** Perturbed copies replayed together (each holds a residual stream). */
  batch?: number;
};

interface Variant { tensor: TensorSensitivity; type: GgmlTypeName; state: ReplayState; output?: Float32Array }

/** Positions the output head reads for a 'layer' estimate (the calibration absorbs the subset). */
export const DIRECT_ROWS = 64;

/** The scored rows of the concatenated sequences: from `scoreFrom` of each sequence on (scored tokens see context). */
export function scoredRows(sequences: readonly (readonly number[])[], scoreFrom = 0.5): number[] {
  let start = 0;
  return sequences.flatMap((s) => {
    const from = Math.min(s.length - 1, Math.floor(s.length * scoreFrom));
    const rows = Array.from({ length: s.length - from }, (_, i) => start + from + i);
    start += s.length;
    return rows;
  });
}

/** Up to DIRECT_ROWS of the scored rows, evenly spaced. */
export function directRowsOf(scored: readonly number[]): number[] {
  return scored.filter((_, i) => i % Math.max(1, Math.ceil(scored.length / DIRECT_ROWS)) === 0);
}

/**
 * Fills measuredKld (and estimatedKld in mode 'layer') of every `measured` type of `tensors`.
 * `finished(n)` counts n finished units; `tick` reports progress (and throws when cancelled).
 */
export async function measureKlds(
  o: KldJobsOptions, engine: ReplayEngine, tensors: readonly TensorSensitivity[], measured: ReadonlyMap<string, readonly GgmlTypeName[]>,
  mode: MeasureMode, finished: (n: number) => void, tick: (stage: 'kld', tensor?: string, type?: GgmlTypeName) => void,
): Promise<void> {
  const layers = engine.layerCount;
  const scored = scoredRows(o.sequences, o.scoreFrom);
  const outputName = o.model.tensors.has('output.weight') ? 'output.weight' : 'token_embd.weight';
  const baseScored = await engine.reference(engine.base(layers), scored);
  const perturbed = async (t: TensorSensitivity, type: GgmlTypeName) =>
    roundTrip(o.quantizer, type, await o.weights(tensorOf(o.model, t.name)), t.ne, o.imatrix?.get(t.name) ?? null, t.name);
  const candidate = (v: { tensor: TensorSensitivity; type: GgmlTypeName }) => v.tensor.candidates.find((c) => c.type === v.type)!;
  /** The true KL of a variant whose state has been through every layer. */
  const finish = async (v: Variant, counted = false) => {
    candidate(v).measuredKld = await engine.kld(baseScored, v.state, v.output);
    if (!counted) finished(1);
    tick('kld', v.tensor.name, v.type);
  };
  /** Replays layers from..end on every variant of the batch, then scores and frees them. */
  const replayFrom = async (from: number, batch: readonly Variant[], counted = false) => {
    await engine.replayFrom(from, batch.map((v) => v.state));
    for (const v of batch) {
      await finish(v, counted);
      engine.release(v.state);
    }
  };
  const batchSize = Math.max(1, o.batch ?? 16);

  for (const t of tensors) {
    if (t.layer !== null && blockFieldOf(t.name, t.layer)) continue;
    for (const type of measured.get(t.name)!) {
      tick('kld', t.name, type);
      const q = await perturbed(t, type);
      if (t.name === 'output.weight') await finish({ tensor: t, type, state: engine.base(layers), output: q });
      else if (t.name === 'token_embd.weight') await replayFrom(0, [{ tensor: t, type, state: await engine.embed(q), output: outputName === t.name ? q : undefined }]);
      // A tensor the block function does not read (none in the supported architectures): no KL.
      else finished(1);
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
  const directRows = directRowsOf(scored);
  const estimateLayer = async (layer: number, jobs: readonly { t: TensorSensitivity; type: GgmlTypeName }[]) => {
    const baseDirect = await engine.reference(engine.base(layer + 1), directRows);
    const estimates: { tensor: TensorSensitivity; type: GgmlTypeName; directKld: number }[] = [];
    // Only the largest-so-far variant's state is kept: it is the one replayed to the output.
    let calibrator: (Variant & { directKld: number }) | null = null;
    for (const { t, type } of jobs) {
      tick('kld', t.name, type);
      const state = await engine.runLayer(layer, new Map([[blockFieldOf(t.name, layer)!, await perturbed(t, type)]]), engine.base(layer));
      const v = { tensor: t, type, state, directKld: await engine.kld(baseDirect, state) };
      estimates.push(v);
      // Counted as measured now, not when the layer's calibration ends: progress (and its ETA)
      // moves with each tensor instead of standing still for a whole layer.
      finished(1);
      if (!calibrator || v.directKld > calibrator.directKld) {
        if (calibrator) engine.release(calibrator.state);
        calibrator = v;
      } else {
        engine.release(state);
      }
    }
    engine.releaseReference(baseDirect);
    const c = calibrator!;
    await replayFrom(layer + 1, [c], true);
    const gain = c.directKld > 0 ? candidate(c).measuredKld! / c.directKld : 1;
    for (const v of estimates) {
      if (v.tensor === c.tensor && v.type === c.type) continue;
      candidate(v).estimatedKld = gain * v.directKld;
    }
  };

  for (let layer = 0; layer < layers; layer++) {
    engine.retireLayersBelow(layer);
    const inLayer = tensors.filter((t) => t.layer === layer && blockFieldOf(t.name, layer));
    const jobs = inLayer.flatMap((t) => measured.get(t.name)!.map((type) => ({ t, type })));
    if (jobs.length === 0) continue;
    if (mode === 'layer') {
      await estimateLayer(layer, jobs);
      continue;
    }
    for (let j = 0; j < jobs.length; j += batchSize) {
      const batch: Variant[] = [];
      for (const { t, type } of jobs.slice(j, j + batchSize)) {
        tick('kld', t.name, type);
        const state = await engine.runLayer(layer, new Map([[blockFieldOf(t.name, layer)!, await perturbed(t, type)]]), engine.base(layer));
        batch.push({ tensor: t, type, state });
      }
      await replayFrom(layer + 1, batch);
    }
  }
  engine.releaseReference(baseScored);
}

/** The block's quantizable matrices; a MoE layer's stacked experts are perturbed (and measured) as one tensor each. */
const FIELDS: (keyof BlockWeights)[] = ['q', 'k', 'v', 'qkv', 'o', 'convIn', 'convOut', 'ssmIn', 'ssmOut', 'gate', 'up', 'down', 'gateExps', 'upExps', 'downExps', 'gateShexp', 'upShexp', 'downShexp'];

/** Which matrix of the block a tensor is, or null for tensors the block reads otherwise. */
export function blockFieldOf(name: string, layer: number): keyof BlockWeights | null {
  return FIELDS.find((f) => blockTensorName(layer, f) === name) ?? null;
}
