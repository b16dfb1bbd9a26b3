// A multiple-choice set from JSONL, one question per line: {"context": "...", "choices": ["...", ...],
// "answer": 1} ("answer" optional: without it only the flips are counted). Each choice is scored
// after the context as the tokenizer splits "context + choice": the tokens all of them share with
// the context are the context, the rest of each is its answer (a word that merges across the
// boundary is scored whole, as llama-perplexity's multiple-choice scoring does).
import { isPlainObject } from '../json-input.ts';
import type { ChoiceTask, FlipsResult } from './choice-flips.ts';

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** More answers than a multiple-choice question has; each one costs a forward pass. */
export const MAX_CHOICES = 64;

export function parseChoiceTasks(jsonl: string, encode: (text: string) => number[], label: string): ChoiceTask[] {
  const tasks: ChoiceTask[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${label}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`);
    }
    if (!isPlainObject(value)) throw new Error(`${where}: expected a JSON object with "context" and "choices"`);
    const q = value as { context?: unknown; choices?: unknown; answer?: unknown };
    if (typeof q.context !== 'string' || q.context === '') throw new Error(`${where}: "context" must be a non-empty string`);
    if (!Array.isArray(q.choices) || q.choices.length < 2 || q.choices.length > MAX_CHOICES || !q.choices.every((c) => typeof c === 'string' && c !== '')) {
      throw new Error(`${where}: "choices" must be 2 to ${MAX_CHOICES} non-empty strings`);
    }
    const choices = q.choices as string[];
    if (q.answer !== undefined && !(Number.isInteger(q.answer) && (q.answer as number) >= 0 && (q.answer as number) < choices.length)) {
      throw new Error(`${where}: "answer" must be the index of one of the ${choices.length} choices`);
    }
    const context = encode(q.context);
    const full = choices.map((c) => encode(q.context + c));
    const shared = full.reduce((n, f) => Math.min(n, commonPrefix(f, context)), Infinity);
    if (shared === 0) throw new Error(`${where}: the context gives no tokens before the answers`);
    const answers = full.map((f) => f.slice(shared));
    const empty = answers.findIndex((a) => a.length === 0);
    if (empty >= 0) throw new Error(`${where}: choice ${empty} adds no tokens to the context`);
    tasks.push({ context: full[0]!.slice(0, shared), choices: answers, ...(q.answer !== undefined ? { answer: q.answer as number } : {}) });
  });
  if (tasks.length === 0) throw new Error(`${label}: no questions`);
  return tasks;
}

/** Flips by direction where the answers are known: right → wrong and wrong → right. */
export function flipDirections(tasks: readonly ChoiceTask[], r: FlipsResult): { correctToWrong: number; wrongToCorrect: number; other: number } {
  let correctToWrong = 0;
  let wrongToCorrect = 0;
  let other = 0;
  for (const i of r.flips) {
    const answer = tasks[i]!.answer;
    if (answer === undefined) other++;
    else if (r.baseChoice[i] === answer) correctToWrong++;
    else if (r.quantChoice[i] === answer) wrongToCorrect++;
    else other++;
  }
  return { correctToWrong, wrongToCorrect, other };
}
