// "Flips" on a multiple-choice set: questions whose chosen answer changes between the base and
// the quantized model. Each choice is scored by the mean log-probability of its tokens after the
// shared context (length-normalized, as llama-perplexity's multiple-choice scoring does); all
// (question, choice) sequences of a model run in one layer-by-layer pass.
import type { EvaluatedModel } from './evaluate-kld.ts';
import { runForward } from '../forward/run-forward.ts';
import { logSumExp } from './base-log-probs.ts';

export interface ChoiceTask {
  /** Context tokens (BOS included when the model adds it). */
  context: number[];
  /** Continuation tokens of each answer. */
  choices: number[][];
  /** Index of the right answer, when known. */
  answer?: number;
}

export interface FlipsResult {
  baseChoice: number[];
  quantChoice: number[];
  /** Questions whose choice differs. */
  flips: number[];
  baseCorrect?: number;
  quantCorrect?: number;
}

export async function chooseAnswers(m: EvaluatedModel, tasks: readonly ChoiceTask[], llamaCpuNumerics = false): Promise<number[]> {
  const sequences: number[][] = [];
  const owner: { task: number; choice: number; contextLength: number }[] = [];
  tasks.forEach((t, i) => t.choices.forEach((c, k) => {
    if (t.context.length === 0 || c.length === 0) throw new Error(`multiple choice task ${i}: empty context or answer`);
    sequences.push([...t.context, ...c]);
    owner.push({ task: i, choice: k, contextLength: t.context.length });
  }));
  const scores = new Float64Array(sequences.length);
  await runForward(m.model, m.weights, {
    sequences,
    ...(llamaCpuNumerics ? { kvCache: 'f16' as const, ggmlCpuActivations: true } : {}),
    outputFrom: (s) => owner[s]!.contextLength - 1,
    onLogits: (s, pos, logits) => {
      const next = sequences[s]![pos + 1];
      if (next === undefined) return;
      const { max, logSum } = logSumExp(logits);
      scores[s] += logits[next]! - max - logSum;
    },
  });
  const chosen: number[] = tasks.map(() => -1);
  const best: number[] = tasks.map(() => -Infinity);
  sequences.forEach((seq, s) => {
    const { task, choice, contextLength } = owner[s]!;
    const mean = scores[s]! / (seq.length - contextLength);
    if (mean > best[task]!) { best[task] = mean; chosen[task] = choice; }
  });
  return chosen;
}

export async function choiceFlips(base: EvaluatedModel, quant: EvaluatedModel, tasks: readonly ChoiceTask[], llamaCpuNumerics = false): Promise<FlipsResult> {
  const baseChoice = await chooseAnswers(base, tasks, llamaCpuNumerics);
  const quantChoice = await chooseAnswers(quant, tasks, llamaCpuNumerics);
  const flips = tasks.map((_, i) => i).filter((i) => baseChoice[i] !== quantChoice[i]);
  const known = tasks.every((t) => t.answer !== undefined);
  return {
    baseChoice,
    quantChoice,
    flips,
    ...(known ? {
      baseCorrect: tasks.filter((t, i) => t.answer === baseChoice[i]).length,
      quantCorrect: tasks.filter((t, i) => t.answer === quantChoice[i]).length,
    } : {}),
  };
}
