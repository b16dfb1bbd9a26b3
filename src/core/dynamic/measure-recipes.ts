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
import { logitsAt, meanKld, toLogProbs } from './output-kld.ts';
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

  /** The model's log-probabilities at the scored positions with these weights. */
  const run = async (weights: WeightSource): Promise<Float32Array> => {
    if (o.forward) return backendLogProbs(o.forward, o.model, weights, o.sequences, scoredFrom(o.sequences, o.scoreFrom));
    const r = { ...replay, weights };
    const hidden = embed(r, await weights(tensorOf(o.model, 'token_embd.weight')));
    for (let l = 0; l < hp.layerCount; l++) {
      o.signal?.throwIfAborted();
      await runLayer(r, l, await loadLayer(r, l), hidden);
    }
    const norm = await weights(outputNormTensor(o.model));
    return toLogProbs(logitsAt(hp, hidden, scored, norm, await weights(tensorOf(o.model, outputName))), hp.vocabSize);
  };

  const total = o.recipes.length + 1;
  o.onProgress?.({ done: 0, total, recipe: 'base' });
  const base = await run(o.weights);
  const baseTop = topTokens(base, hp.vocabSize);
  const cache = new Map<string, Promise<Float32Array>>();
  const results: RecipeKld[] = [];
  for (const [i, recipe] of o.recipes.entries()) {
    o.signal?.throwIfAborted();
    o.onProgress?.({ done: i + 1, total, recipe: recipe.id });
    const lp = await run(restoredWeights(o, recipe.types, cache));
    const top = topTokens(lp, hp.vocabSize);
    let same = 0;
    for (let r = 0; r < top.length; r++) if (top[r] === baseTop[r]) same++;
    results.push({ id: recipe.id, kld: meanKld(base, lp, hp.vocabSize), sameTop: top.length ? same / top.length : 1 });
    // Keep only what the next recipes share with this one: memory stays near one model's worth.
    for (const key of [...cache.keys()]) {
      const [name, type] = key.split(':') as [string, GgmlTypeName];
      if (!o.recipes.slice(i + 1).some((r) => r.types.get(name) === type)) cache.delete(key);
    }
  }
  o.onProgress?.({ done: total, total, recipe: 'done' });
  return results;
}
