// The measured KL divergence of whole recipes (a llama.cpp mix, a dynamic allocation): every
// tensor quantized to its type and restored, one full forward over the same scored positions as
// the sensitivity pass, against the base model's distributions. This is the "measured" point
// beside each prediction on the studio's frontier chart.
import { outputNormTensor } from '../forward/forward-model.ts';
import type { ForwardBackend, ForwardModel, ForwardTensor, WeightSource } from '../forward/forward-types.ts';
import type { GgmlTypeName } from '../ggml-type.ts';
import type { TensorTypes } from '../model/plan-types.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';
import { backendLogProbs, scoredFrom } from './backend-log-probs.ts';
import { embed, loadLayer, prepareReplay, runLayer, tensorOf } from './layer-replay.ts';
import { percentile } from '../eval/kld-report.ts';
import { logitsAt, meanKld, rowKlds, toLogProbs } from './output-kld.ts';
import { roundTrip } from './weighted-error.ts';

export interface RecipeToMeasure {
  id: string;
  types: TensorTypes;
}

export interface RecipeKld {
  id: string;
  /** Mean KL(base ‖ recipe) over the scored positions, nats. */
  kld: number;
  /** Positions where both models' most likely token is the same, 0..1. */
  sameTop: number;
  /** The 99th percentile of the per-position KL (the tail-aware objective's measure). */
  p99?: number;
  /**
   * The KL at each scored position, in order: two recipes measured on the same positions compare
   * position by position, which tells a real difference from the noise of a few hundred positions.
   */
  positions?: Float64Array;
}

export interface MeasureRecipesOptions {
  model: ForwardModel;
  weights: WeightSource;
  quantizer: RowQuantizer;
  imatrix: ReadonlyMap<string, Float32Array> | null;
  sequences: readonly (readonly number[])[];
  /** As in measureSensitivity: scored positions start at this fraction of each sequence (0.5). */
  scoreFrom?: number;
  recipes: readonly RecipeToMeasure[];
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; recipe: string }) => void;
  /** Whole forwards on this backend (the WebGPU forward) instead of the CPU reference. */
  forward?: ForwardBackend;
}

/** Each row's argmax. */
function topTokens(logProbs: Float32Array, vocab: number): Int32Array {
  const rows = logProbs.length / vocab;
  const top = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let i = 1; i < vocab; i++) if (logProbs[r * vocab + i]! > logProbs[r * vocab + best]!) best = i;
    top[r] = best;
  }
  return top;
}

/**
 * The weights a recipe computes with: quantized then restored, with ggml's imatrix use. Restored
 * tensors are shared between recipes (mixes agree on most tensors), `cache` holding them.
 */
function restoredWeights(o: MeasureRecipesOptions, types: TensorTypes, cache: Map<string, Promise<Float32Array>>): WeightSource {
  return async (tensor: ForwardTensor) => {
    const type: GgmlTypeName = types.get(tensor.ggufName) ?? 'F32';
    if (type === 'F32' || tensor.ne.length < 2) return o.weights(tensor);
    const key = `${tensor.ggufName}:${type}`;
    let restored = cache.get(key);
    if (!restored) {
      restored = o.weights(tensor).then((w) => roundTrip(o.quantizer, type, w, tensor.ne, o.imatrix?.get(tensor.ggufName) ?? null, tensor.ggufName));
      cache.set(key, restored);
    }
    return restored;
  };
}

export async function measureRecipeKlds(o: MeasureRecipesOptions): Promise<RecipeKld[]> {
  const hp = o.model.hparams;
  const replay = await prepareReplay(o.model, o.weights, o.sequences);
  const scored = replay.spans.flatMap((s) => {
    const from = Math.min(s.length - 1, Math.floor(s.length * (o.scoreFrom ?? 0.5)));
    return Array.from({ length: s.length - from }, (_, i) => s.start + from + i);
  });
  const outputName = o.model.tensors.has('output.weight') ? 'output.weight' : 'token_embd.weight';

  // Progress in steps of one layer (the CPU replay) or one whole forward (a backend): a recipe
  // of a large model takes minutes, and a count of recipes alone would stand still that long.
  const stepsPerForward = o.forward ? 1 : hp.layerCount;
  const total = (o.recipes.length + 1) * stepsPerForward;
  let done = 0;
  const stepDone = (recipe: string) => o.onProgress?.({ done: ++done, total, recipe });

  /** The model's log-probabilities at the scored positions with these weights. */
  const run = async (weights: WeightSource, label: string): Promise<Float32Array> => {
    if (o.forward) {
      const lp = await backendLogProbs(o.forward, o.model, weights, o.sequences, scoredFrom(o.sequences, o.scoreFrom));
      stepDone(label);
      return lp;
    }
    const r = { ...replay, weights };
    const hidden = embed(r, await weights(tensorOf(o.model, 'token_embd.weight')));
    for (let l = 0; l < hp.layerCount; l++) {
      o.signal?.throwIfAborted();
      await runLayer(r, l, await loadLayer(r, l), hidden);
      // The output head is counted with the last layer.
      if (l < hp.layerCount - 1) stepDone(label);
    }
    const norm = await weights(outputNormTensor(o.model));
    const lp = toLogProbs(logitsAt(hp, hidden, scored, norm, await weights(tensorOf(o.model, outputName))), hp.vocabSize);
    stepDone(label);
    return lp;
  };

  o.onProgress?.({ done: 0, total, recipe: 'base' });
  const base = await run(o.weights, 'base');
  const baseTop = topTokens(base, hp.vocabSize);
  const cache = new Map<string, Promise<Float32Array>>();
  const results: RecipeKld[] = [];
  for (const [i, recipe] of o.recipes.entries()) {
    o.signal?.throwIfAborted();
    const lp = await run(restoredWeights(o, recipe.types, cache), recipe.id);
    const top = topTokens(lp, hp.vocabSize);
    let same = 0;
    for (let r = 0; r < top.length; r++) if (top[r] === baseTop[r]) same++;
    const positions = rowKlds(base, lp, hp.vocabSize);
    const rows = positions.slice().sort();
    results.push({
      id: recipe.id, kld: meanKld(base, lp, hp.vocabSize), sameTop: top.length ? same / top.length : 1, positions,
      ...(rows.length ? { p99: percentile(rows, 0.99) } : {}),
    });
    // Keep only what the next recipes share with this one: memory stays near one model's worth.
    for (const key of [...cache.keys()]) {
      const [name, type] = key.split(':') as [string, GgmlTypeName];
      if (!o.recipes.slice(i + 1).some((r) => r.types.get(name) === type)) cache.delete(key);
    }
  }
  return results;
}
