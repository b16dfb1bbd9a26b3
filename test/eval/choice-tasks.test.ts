// Multiple-choice flips from the command line: a JSONL question set is split into context and
// answers as the tokenizer splits "context + answer", bad lines are named, and `quant-studio eval
// --choices` reports no flips against the unquantized model itself and consistent counts otherwise.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChoiceTasks } from '../../src/core/eval/choice-tasks.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let work: string;
let questions: string;
let encode: (text: string) => number[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'choices-'));
  const files = await nodeModelFiles(STORIES260K);
  encode = (await loadTextTokenizer(files)).encode;
  await files.close();
  // Story openings: the real next words against words from later in the same story.
  const stories = (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).split('\n').filter((l) => l.split(' ').length > 60).slice(0, 12);
  questions = path.join(work, 'questions.jsonl');
  await writeFile(questions, stories.map((s) => {
    const w = s.split(' ');
    return JSON.stringify({ context: w.slice(0, 20).join(' '), choices: [` ${w.slice(20, 24).join(' ')}`, ` ${w.slice(40, 44).join(' ')}`, ` ${w.slice(55, 59).join(' ')}`], answer: 0 });
  }).join('\n'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('parseChoiceTasks', () => {
  it('keeps the shared tokens as the context (BOS first) and the rest of each as its answer', () => {
    const [task] = parseChoiceTasks(JSON.stringify({ context: 'Once upon a time', choices: [' there was a cat', ' the end'], answer: 1 }), encode, 'q.jsonl');
    const full = encode('Once upon a time there was a cat');
    expect(task!.context).toEqual(full.slice(0, task!.context.length));
    expect([...task!.context, ...task!.choices[0]!]).toEqual(full);
    expect([...task!.context, ...task!.choices[1]!]).toEqual(encode('Once upon a time the end'));
    expect(task!.context[0]).toBe(encode('x')[0]); // BOS
    expect(task!.answer).toBe(1);
  });

  it.each([
    ['not json', /q\.jsonl:2: not JSON/],
    [JSON.stringify({ context: 'a', choices: ['b'] }), /q\.jsonl:2: "choices" must be 2 to 64 non-empty strings/],
    [JSON.stringify({ context: 'a', choices: [' b', ' c'], answer: 2 }), /q\.jsonl:2: "answer" must be the index/],
    [JSON.stringify({ choices: [' b', ' c'] }), /q\.jsonl:2: "context" must be/],
  ])('names the line of a bad question: %s', (line, message) => {
    const good = JSON.stringify({ context: 'Once', choices: [' upon', ' more'] });
    expect(() => parseChoiceTasks(`${good}\n${line}`, encode, 'q.jsonl')).toThrow(message);
  });
});

describe('quant-studio eval --choices', () => {
  const evalJson = async (gguf: string) => {
    const r = await runCli(['eval', STORIES260K, gguf, '--text', path.join(TEXT, 'tinystories_val_sample.txt'), '--ctx', '64', '--chunks', '2', '--choices', questions, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { choices: { questions: number; flips: number[]; correctToWrong: number; wrongToCorrect: number; other: number; baseCorrect: number; quantCorrect: number } };
  };

  it('finds no flips against the float model, and counts each flip once otherwise', async () => {
    const same = (await evalJson(path.join(STORIES260K, 'reference-f32.gguf'))).choices;
    expect(same.questions).toBe(12);
    expect(same.flips).toEqual([]);
    expect(same.quantCorrect).toBe(same.baseCorrect);
    expect(same.baseCorrect).toBeGreaterThan(6); // the real continuation usually wins

    const q4 = path.join(work, 'q4_0.gguf');
    const q = await runCli(['quantize', STORIES260K, '--type', 'Q4_0', '--pure', '--backend', 'cpu', '-o', q4]);
    expect(q.code, q.stderr).toBe(0);
    const c = (await evalJson(q4)).choices;
    expect(c.baseCorrect).toBe(same.baseCorrect);
    expect(c.correctToWrong + c.wrongToCorrect + c.other).toBe(c.flips.length);
    expect(c.quantCorrect - c.baseCorrect).toBe(c.wrongToCorrect - c.correctToWrong);
  }, 300_000);
});
