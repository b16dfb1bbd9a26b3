// SIGINT, SIGTERM and SIGHUP in the middle of a command, on a real process: it exits with
// 128 + the signal's number, says so in one line on stderr, and leaves neither the partial file
// nor the output. The quantizer pool's and plan's sensitivity threads are busy when the signal
// comes, and must not keep the process alive.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CLI_BIN } from '../helpers/cli.ts';
import { generateLlamaModel } from '../helpers/generate-model.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let work: string;
let model: string;
let out: string;
let text: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cli-signals-'));
  model = path.join(work, 'model');
  out = path.join(work, 'out');
  text = path.join(work, 'calib.txt');
  await mkdir(out);
  // About 3.6M weights: a Q4_K_M quantize takes seconds on 2 cores, a plan far longer.
  await generateLlamaModel(model, { hidden: 256, intermediate: 768, layers: 4, heads: 4, kvHeads: 4, vocab: 512 }, { dtype: 'BF16', tokenizerFrom: STORIES260K });
  await writeFile(text, (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 20_000));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const size = (file: string) => stat(file).then((s) => s.size, () => -1);
/** The process's threads (Linux): worker threads show up here. */
const threadCount = (pid: number) => readdir(`/proc/${pid}/task`).then((t) => t.length, () => 0);

function start(args: string[]) {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close': the process has ended and its stderr is read to the end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  // A failed test must not leave it running.
  onTestFinished(() => void child.kill('SIGKILL'));
  return { child, exited };
}

async function interrupt(run: ReturnType<typeof start>, signal: NodeJS.Signals) {
  const sent = performance.now();
  run.child.kill(signal);
  const result = await run.exited;
  return { ...result, seconds: (performance.now() - sent) / 1000 };
}

describe('a signal during quantize', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: exit ${128 + constants.signals[signal]}, one line, no partial file, no output`, async () => {
      const output = path.join(out, `${signal}.gguf`);
      const run = start(['quantize', model, '--type', 'q4_k_m', '--backend', 'cpu', '-o', output]);
      // The header is written: the tensors are being quantized, on the pool's threads.
      await waitFor(`${output}.partial to hold bytes`, async () => (await size(`${output}.partial`)) > 0);
      const r = await interrupt(run, signal);
      expect(r.code, r.stderr).toBe(128 + constants.signals[signal]);
      expect(r.stderr).toBe(`quant-studio quantize: interrupted by ${signal}\n`);
      expect(r.seconds).toBeLessThan(5);
      expect(await readdir(out)).toEqual([]);
    });
  }
});

describe('a signal during plan', () => {
  it('SIGTERM while the sensitivity threads measure: exit 143, one line, neither file left', async () => {
    const recipe = path.join(out, 'plan.json');
    const run = start([
      'plan', model, '--target-bpw', '5', '--text', text, '--threads', '2', '--backend', 'cpu', '-o', recipe, '--tensor-type-file', path.join(out, 'plan.txt'),
    ]);
    // The partial files are made before the model is read, so the threads have not started yet.
    await waitFor('the partial files', async () => (await size(`${recipe}.partial`)) === 0 && (await size(path.join(out, 'plan.txt.partial'))) === 0);
    const before = await threadCount(run.child.pid!);
    await waitFor('two sensitivity threads', async () => (await threadCount(run.child.pid!)) >= before + 2);
    await sleep(500);
    const r = await interrupt(run, 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toBe('quant-studio plan: interrupted by SIGTERM\n');
    expect(r.seconds).toBeLessThan(5);
    expect(await readdir(out)).toEqual([]);
  });
});
