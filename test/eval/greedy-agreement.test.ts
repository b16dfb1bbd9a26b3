// Greedy-continuation agreement on stories260K: the one teacher-forced pass of the quantized model
// gives what generating with it would (the same share of identical continuations and the same
// agreed prefixes as its own greedy continuations compared token by token), the unquantized model
// agrees with itself everywhere, and a prompt file's bad lines are named.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyAgreement, greedyContinuations, parsePrompts, type GreedyModel } from '../../src/core/eval/greedy-agreement.ts';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { loadTextTokenizer, type TextTokenizer } from '../../src/core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { NodeFileSource, nodeModelFiles } from '../../src/io/node-files.node.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

const TOKENS = 16;
let work: string;
let files: Awaited<ReturnType<typeof nodeModelFiles>>;
let source: NodeFileSource;
let tokenizer: TextTokenizer;
let base: GreedyModel;
let quant: GreedyModel;
let prompts: number[][];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'greedy-'));
  const q2 = path.join(work, 'q2_k.gguf');
  const r = await runCli(['quantize', STORIES260K, '--type', 'Q2_K', '--backend', 'cpu', '-o', q2]);
  expect(r.code, r.stderr).toBe(0);
  files = await nodeModelFiles(STORIES260K);
  const plan = await planModel(files);
  tokenizer = await loadTextTokenizer(files);
  base = { model: forwardModelFromPlan(plan), weights: planWeights(plan, files) };
  source = new NodeFileSource(q2, q2, (await stat(q2)).size);
  const info = await readGgufInfo(source);
  quant = { model: forwardModelFromGguf(info, q2), weights: await ggufWeights(source, info) };
  const stories = (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).split('\n').filter((l) => l.split(' ').length > 20).slice(0, 12);
  prompts = parsePrompts(stories.map((s) => s.split(' ').slice(0, 6).join(' ')).join('\n'), tokenizer.encode, 'prompts.txt');
}, 120_000);

afterAll(async () => {
  await source?.close();
  await files?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const commonPrefix = (a: readonly number[], b: readonly number[]) => {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};

describe('greedy-continuation agreement', () => {
  it('the unquantized model agrees with itself on every token', async () => {
    const continuations = await greedyContinuations(base, prompts, TOKENS, { llamaCpuNumerics: true });
    expect(continuations.continuations.every((c) => c.length === TOKENS)).toBe(true);
    const a = await greedyAgreement(base, continuations, { llamaCpuNumerics: true });
    expect(a).toEqual({ prompts: prompts.length, tokens: TOKENS, identical: 1, meanAgreedPrefix: TOKENS, tokenAgreement: 1 });
  }, 120_000);

  it('one teacher-forced pass of the quantized model tells what its own greedy generation would', async () => {
    const numerics = { llamaCpuNumerics: true };
    const baseRun = await greedyContinuations(base, prompts, TOKENS, numerics);
    const quantRun = await greedyContinuations(quant, prompts, TOKENS, numerics);
    const prefixes = prompts.map((_, i) => commonPrefix(baseRun.continuations[i]!, quantRun.continuations[i]!));
    // Q2_K changes some continuations of this tiny model, so the comparison means something.
    expect(prefixes.some((p) => p < TOKENS)).toBe(true);
    const a = await greedyAgreement(quant, baseRun, numerics);
    expect(a.identical).toBeCloseTo(prefixes.filter((p) => p === TOKENS).length / prompts.length, 12);
    expect(a.meanAgreedPrefix).toBeCloseTo(prefixes.reduce((s, p) => s + p, 0) / prompts.length, 12);
    expect(a.tokenAgreement).toBeLessThan(1);
    expect(a.tokenAgreement).toBeGreaterThanOrEqual(a.meanAgreedPrefix / TOKENS);
  }, 120_000);

  it('a continuation ends at the end-of-generation token', async () => {
    // Whatever token the base model writes first for prompt 0 is declared the end: that prompt stops there.
    const first = (await greedyContinuations(base, prompts.slice(0, 1), 1)).continuations[0]![0]!;
    const run = await greedyContinuations(base, prompts.slice(0, 2), TOKENS, { eos: first });
    expect(run.continuations[0]).toEqual([first]);
    expect(run.continuations[1]!.indexOf(first)).toBe(run.continuations[1]!.length === TOKENS && !run.continuations[1]!.includes(first) ? -1 : run.continuations[1]!.length - 1);
  }, 60_000);
});

describe('parsePrompts', () => {
  it('one prompt per non-blank line, BOS first as for any evaluation text, backslash-n a newline', () => {
    const p = parsePrompts('Once upon a time\n\n  \nThe cat\\nsat\n', tokenizer.encode, 'p.txt');
    expect(p).toEqual([tokenizer.encode('Once upon a time'), tokenizer.encode('The cat\nsat')]);
  });

  it('names the file of an empty prompt set', () => {
    expect(() => parsePrompts('\n  \n', tokenizer.encode, 'p.txt')).toThrow('p.txt: no prompts (one per line)');
  });
});
