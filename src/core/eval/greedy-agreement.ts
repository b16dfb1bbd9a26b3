// Greedy-continuation agreement: does a long answer stay the same after quantization? The base
// model continues each prompt greedily for N tokens (one forward of all prompts per new token);
// the quantized model then reads each prompt with the base continuation in a single teacher-forced
// pass. Greedy decoding is deterministic, so the quantized model would write the very same
// continuation exactly when its top token agrees at every one of those positions: one pass per
// quantized file instead of N, whatever the number of files compared against one base.
import type { ForwardModel, ForwardRequest, WeightSource } from '../forward/forward-types.ts';
import { runForward } from '../forward/run-forward.ts';
import { logSumExp } from './base-log-probs.ts';

/** A model to run: its weights through the CPU reference forward, or any runner of forward requests (the studio's GPU forward). */
export type GreedyModel = { model: ForwardModel; weights: WeightSource } | { model: ForwardModel; run: (request: ForwardRequest) => Promise<void> };

const forwardOf = (m: GreedyModel) => (request: ForwardRequest) => ('run' in m ? m.run(request) : runForward(m.model, m.weights, request));

export interface GreedyOptions {
  /** Reproduce llama.cpp's CPU numerics (F16 KV cache, activation rounding), as the KLD evaluation does. */
  llamaCpuNumerics?: boolean;
  /** A continuation ends after this token (end of generation), as a chat client stops there. */
  eos?: number | null;
  onProgress?: (done: number, total: number) => void;
}

/** The base model's greedy continuations of a prompt set. */
export interface BaseContinuations {
  prompts: readonly (readonly number[])[];
  /** Up to `tokens` tokens per prompt (fewer where the base model ended with eos). */
  continuations: readonly (readonly number[])[];
  tokens: number;
}

export interface GreedyAgreement {
  prompts: number;
  /** Tokens generated per prompt (at most). */
  tokens: number;
  /** Share of prompts whose whole continuation is identical to the base model's (0..1). */
  identical: number;
  /** Mean number of leading tokens identical to the base continuation. */
  meanAgreedPrefix: number;
  /** Share of continuation positions where the top token agrees, fed the base continuation (0..1). */
  tokenAgreement: number;
}

const numericsOf = (o: GreedyOptions) => (o.llamaCpuNumerics ? { kvCache: 'f16' as const, ggmlCpuActivations: true } : {});

function checkPrompts(prompts: readonly (readonly number[])[]): void {
  if (prompts.length === 0) throw new Error('greedy agreement: no prompts');
  prompts.forEach((p, i) => { if (p.length === 0) throw new Error(`greedy agreement: prompt ${i + 1} has no tokens`); });
}

export async function greedyContinuations(base: GreedyModel, prompts: readonly (readonly number[])[], tokens: number, options: GreedyOptions = {}): Promise<BaseContinuations> {
  checkPrompts(prompts);
  if (!Number.isInteger(tokens) || tokens < 1) throw new Error(`greedy agreement: ${tokens} tokens to generate; expected at least 1`);
  const continuations: number[][] = prompts.map(() => []);
  const open = new Set(prompts.map((_, i) => i));
  for (let step = 0; step < tokens && open.size > 0; step++) {
    const running = [...open];
    const sequences = running.map((i) => [...prompts[i]!, ...continuations[i]!]);
    await forwardOf(base)({
      ...numericsOf(options),
      sequences,
      outputFrom: (s) => sequences[s]!.length - 1,
      onLogits: (s, _pos, logits) => {
        const i = running[s]!;
        const next = logSumExp(logits).argmax;
        continuations[i]!.push(next);
        if (next === options.eos) open.delete(i);
      },
    });
    options.onProgress?.(step + 1, tokens);
  }
  return { prompts, continuations, tokens };
}

export async function greedyAgreement(quant: GreedyModel, base: BaseContinuations, options: GreedyOptions = {}): Promise<GreedyAgreement> {
  const { prompts, continuations } = base;
  checkPrompts(prompts);
  // Fed prompt + continuation, position prompt-1+k predicts continuation[k].
  const sequences = prompts.map((p, i) => [...p, ...continuations[i]!.slice(0, -1)]);
  const agreesAt = prompts.map((_, i) => new Uint8Array(continuations[i]!.length));
  await forwardOf(quant)({
    ...numericsOf(options),
    sequences,
    outputFrom: (s) => prompts[s]!.length - 1,
    onLogits: (s, pos, logits) => {
      const k = pos - (prompts[s]!.length - 1);
      agreesAt[s]![k] = logSumExp(logits).argmax === continuations[s]![k] ? 1 : 0;
    },
  });
  let identical = 0;
  let prefixSum = 0;
  let agreed = 0;
  let positions = 0;
  for (const flags of agreesAt) {
    const firstMiss = flags.indexOf(0);
    if (firstMiss < 0) identical++;
    prefixSum += firstMiss < 0 ? flags.length : firstMiss;
    for (const f of flags) agreed += f;
    positions += flags.length;
  }
  return {
    prompts: prompts.length,
    tokens: base.tokens,
    identical: identical / prompts.length,
    meanAgreedPrefix: prefixSum / prompts.length,
    tokenAgreement: positions ? agreed / positions : 1,
  };
}

/**
 * Prompts from a text file, one per non-blank line (backslash-n inside a line stands for a
 * newline); `encode` adds BOS where the model wants it, as for any evaluation text.
 */
export function parsePrompts(text: string, encode: (text: string) => number[], file: string): number[][] {
  const prompts: number[][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const ids = encode(line.replaceAll('\\n', '\n'));
    if (ids.length === 0) throw new Error(`${file}: line ${i + 1} encodes to no tokens`);
    prompts.push(ids);
  });
  if (prompts.length === 0) throw new Error(`${file}: no prompts (one per line)`);
  return prompts;
}
