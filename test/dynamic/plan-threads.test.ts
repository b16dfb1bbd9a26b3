// `quant-studio plan` measures the sensitivity in worker threads (one shard each): with three
// threads it must write the same sensitivity table and recipe as with one, and say how many it used.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'plan-threads-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function plan(threads: number): Promise<{ recipe: string; sensitivity: string; stderr: string }> {
  const out = path.join(work, `recipe-${threads}.json`);
  const sensitivity = path.join(work, `sensitivity-${threads}.json`);
  const r = await runCli([
    'plan', STORIES260K, '--target-bpw', '8', '--allow', 'Q4_0,Q4_1,Q5_0,Q5_1,Q8_0', '--text', path.join(TEXT, 'tinystories_val_sample.txt'),
    '--ctx', '64', '--chunks', '3', '--measure', 'all', '--threads', String(threads), '--sensitivity', sensitivity, '--backend', 'cpu', '-o', out,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return { recipe: await readFile(out, 'utf8'), sensitivity: await readFile(sensitivity, 'utf8'), stderr: r.stderr };
}

describe('quant-studio plan --threads', () => {
  it('gives the same sensitivity table and recipe on three threads as on one', async () => {
    const one = await plan(1);
    const three = await plan(3);
    expect(one.stderr).toMatch(/on 1 thread\b/);
    expect(three.stderr).toMatch(/on 3 threads/);
    expect(JSON.parse(three.sensitivity)).toEqual(JSON.parse(one.sensitivity));
    expect(three.recipe).toBe(one.recipe);
    expect(JSON.parse(one.recipe).tensors.some((t: { type: string }) => t.type === 'Q4_0' || t.type === 'Q4_1')).toBe(true);
  }, 600_000);

  it('refuses a thread count that is not a whole number', async () => {
    const r = await runCli(['plan', STORIES260K, '--target-bpw', '6', '--measure', 'none', '--threads', 'two', '-o', path.join(work, 'x.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--threads two/);
  });
});
