// Whole recipes' log-probabilities on a forward backend (the WebGPU forward, or the CPU
// runForward): a recipe changes every tensor, so each is one whole forward with its weights.
import type { ForwardBackend, ForwardModel, WeightSource } from '../forward/forward-types.ts';
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
