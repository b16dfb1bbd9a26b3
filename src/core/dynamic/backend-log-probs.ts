// Whole recipes' log-probabilities on a forward backend (the WebGPU forward, or the CPU
// runForward): a recipe changes every tensor, so each is one whole forward with its weights.
import type { ForwardBackend, ForwardModel, ForwardTensor, WeightSource } from '../forward/forward-types.ts';
import { toLogProbs } from './output-kld.ts';

/** The first scored position of each sequence, as the replay path scores them. */
export function scoredFrom(sequences: readonly (readonly number[])[], scoreFrom = 0.5): number[] {
  return sequences.map((s) => Math.min(s.length - 1, Math.floor(s.length * scoreFrom)));
}

/** Log-probabilities (rows × vocab) at the scored positions, sequence by sequence. */
export async function backendLogProbs(
  forward: ForwardBackend, model: ForwardModel, weights: WeightSource, sequences: readonly (readonly number[])[], from: readonly number[],
): Promise<Float32Array> {
  const vocab = model.hparams.vocabSize;
  const rows = sequences.reduce((n, s, i) => n + s.length - from[i]!, 0);
  const out = new Float32Array(rows * vocab);
  let row = 0;
  await forward(model, weights, {
    sequences,
    outputFrom: (s) => from[s]!,
    onLogits: (_s, _p, logits) => out.set(logits, vocab * row++),
  });
  if (row !== rows) throw new Error(`sensitivity: the forward gave ${row} scored positions, expected ${rows}`);
  return toLogProbs(out, vocab);
}

/** `weights` with some tensors replaced (by GGUF name). */
/**
 * A WeightSource with some tensors substituted; it says which and over what, so that a backend
 * with its own source for the base weights (the GPU reading stored halves) uses it for the rest.
 */
export interface ReplacedWeightSource extends WeightSource {
  readonly base: WeightSource;
  readonly replaced: ReadonlyMap<string, Float32Array>;
}

export function withReplaced(weights: WeightSource, replaced: ReadonlyMap<string, Float32Array>): ReplacedWeightSource {
  const source = (tensor: ForwardTensor) => {
    const r = replaced.get(tensor.ggufName);
    return r ? Promise.resolve(r) : weights(tensor);
  };
  return Object.assign(source, { base: weights, replaced });
}
