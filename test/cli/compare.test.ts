// quant-studio compare on stories260K: each mix and the dynamic recipe of its size from one
// sensitivity measurement; the files it writes are the bytes `quantize --type MIX` and
// `plan --target-mix MIX` + `quantize --recipe` write; each domain's figures are `eval`'s for that
// file and text; the greedy agreement of the unquantized model's own float copy is complete.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

let work: string;
let calibration: string;
let heldOut: string;
let prompts: string;
let questions: string;
const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

async function ok(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'compare-'));
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const cut = text.lastIndexOf('\n', Math.floor(text.length * 0.9)) + 1;
  calibration = path.join(work, 'calibration.txt');
  heldOut = path.join(work, 'held-out.txt');
  prompts = path.join(work, 'prompts.txt');
  await writeFile(calibration, text.slice(0, cut));
  await writeFile(heldOut, text.slice(cut, cut + 40_000));
  await writeFile(prompts, text.slice(cut).split('\n').filter((l) => l.split(' ').length > 12).slice(0, 6).map((l) => l.split(' ').slice(0, 6).join(' ')).join('\n'));
  questions = path.join(work, 'questions.jsonl');
  await writeFile(questions, text.slice(cut).split('\n').filter((l) => l.split(' ').length > 60).slice(0, 8).map((l) => {
    const w = l.split(' ');
    return JSON.stringify({ context: w.slice(0, 20).join(' '), choices: [` ${w.slice(20, 24).join(' ')}`, ` ${w.slice(40, 44).join(' ')}`], answer: 0 });
  }).join('\n'));
  await ok(['imatrix', STORIES260K, '--text', calibration, '--ctx', '64', '--chunks', '8', '-o', path.join(work, 'im.gguf')]);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const common = () => ['--text', calibration, '--imatrix', path.join(work, 'im.gguf'), '--ctx', '64', '--chunks', '2', '--sensitivity', path.join(work, 'sens.json'), '--backend', 'cpu', '--threads', '1'];

describe('quant-studio compare', () => {
  it('without evaluation text: a predicted table of every mix and its dynamic twin, and no model files', async () => {
    const out = path.join(work, 'predicted');
    const { stdout } = await ok(['compare', STORIES260K, ...common(), '--mixes', 'Q4_K_M,Q8_0', '--check-chunks', '3', '--refine', '2', '-o', out]);
    expect(stdout).toContain('Predicted from the sensitivity measurement');
    // The calibration line says how the recipes were chosen: how the sensitivity was measured, where they were checked whole, and the search.
    expect(stdout).toContain('sensitivity (fast: two types per tensor through their own layer, the rest fitted) on the last 2 chunks of 64 tokens of it');
    expect(stdout).toContain("each size's allocation checked whole on the last 3 chunks against the smaller sizes' and the mixes by the mean KL, then 2 nearby recipes measured per size");
    expect((await readdir(out)).sort()).toEqual(['comparison.json', 'comparison.md', 'comparison.svg']);
    const json = JSON.parse(await readFile(path.join(out, 'comparison.json'), 'utf8'));
    expect(json.files.map((f: { name: string }) => f.name)).toEqual(['Q4_K_M', 'dynamic@Q4_K_M', 'Q8_0', 'dynamic@Q8_0']);
    for (const v of json.verdicts) expect(v.measured).toBe(false);
    for (const f of json.files) expect(f.predictedKld).toBeGreaterThan(0);
  }, 300_000);

  it("writes the bytes quantize and plan write, and each domain's figures are eval's", async () => {
    const out = path.join(work, 'measured');
    await ok(['compare', STORIES260K, ...common(), '--mixes', 'Q4_K_M', '--domain', `stories=${heldOut}`, '--eval-ctx', '64', '--eval-chunks', '4',
      '--prompts', prompts, '--greedy-tokens', '8', '--choices', questions, '-o', out]);
    const json = JSON.parse(await readFile(path.join(out, 'comparison.json'), 'utf8'));

    const mix = path.join(work, 'q4km.gguf');
    await ok(['quantize', STORIES260K, '--type', 'Q4_K_M', '--imatrix', path.join(work, 'im.gguf'), '--backend', 'cpu', '-o', mix]);
    expect(await sha(path.join(out, 'Q4_K_M.gguf'))).toBe(await sha(mix));
    // plan reads the same cached sensitivity: the recipe of Q4_K_M's size is compare's dynamic file.
    const recipe = path.join(work, 'q4km.recipe.json');
    await ok(['plan', STORIES260K, ...common(), '--target-mix', 'Q4_K_M', '-o', recipe]);
    const dynamic = path.join(work, 'dynamic.gguf');
    await ok(['quantize', STORIES260K, '--recipe', recipe, '--imatrix', path.join(work, 'im.gguf'), '--backend', 'cpu', '-o', dynamic]);
    expect(await sha(path.join(out, 'dynamic-Q4_K_M.gguf'))).toBe(await sha(dynamic));

    for (const [name, file] of [['Q4_K_M', mix], ['dynamic@Q4_K_M', dynamic]] as const) {
      const e = JSON.parse((await ok(['eval', STORIES260K, file, '--text', heldOut, '--ctx', '64', '--chunks', '4', '--choices', questions, '--json'])).stdout);
      const measured = json.files.find((f: { name: string }) => f.name === name);
      expect(measured.domains).toEqual([{
        domain: 'stories', meanKld: e.kld.mean.value, medianKld: e.kld.median, p99Kld: e.kld.p99, p99_9Kld: e.kld.p99_9, sameTop: e.sameTop.value, pplRatio: e.pplRatio.value,
      }]);
      expect(measured.choices).toEqual({ questions: 8, flips: e.choices.flips.length });
      expect(measured.greedy.prompts).toBe(6);
      expect(measured.greedy.tokens).toBe(8);
    }
    expect(json.verdicts).toHaveLength(1);
    expect(json.verdicts[0].measured).toBe(true);
    const svg = await readFile(path.join(out, 'comparison.svg'), 'utf8');
    expect(svg.match(/<circle [^>]*><title>/g)).toHaveLength(2);
  }, 600_000);

  it('eval --domain: each domain as eval --text gives it, and --prompts adds the greedy agreement', async () => {
    const q8 = path.join(work, 'q8.gguf');
    await ok(['quantize', STORIES260K, '--type', 'Q8_0', '--backend', 'cpu', '-o', q8]);
    const other = path.join(work, 'shakespeare.txt');
    await writeFile(other, (await readFile(path.join(TEXT, 'tinyshakespeare.txt'), 'utf8')).slice(-30_000));
    const run = async (args: string[]) => JSON.parse((await ok(['eval', STORIES260K, q8, '--ctx', '64', '--chunks', '3', '--json', ...args])).stdout);
    const both = await run(['--domain', `stories=${heldOut}`, '--domain', `shakespeare=${other}`, '--prompts', prompts, '--greedy-tokens', '6']);
    expect(both.domains.map((d: { domain: string }) => d.domain)).toEqual(['stories', 'shakespeare']);
    for (const [i, file] of [heldOut, other].entries()) {
      const one = await run(['--text', file]);
      expect(both.domains[i].kld).toEqual(one.kld);
      expect(both.domains[i].sameTop).toEqual(one.sameTop);
    }
    expect(both.greedy).toMatchObject({ prompts: 6, tokens: 6 });
    expect(both.greedy.identical).toBeGreaterThan(0);
  }, 300_000);

  it('plan weighs calibration domains by their chunk counts (--chunks, one per --text)', async () => {
    const other = path.join(work, 'shakespeare-calibration.txt');
    await writeFile(other, (await readFile(path.join(TEXT, 'tinyshakespeare.txt'), 'utf8')).slice(0, 60_000));
    const positions = async (chunks: string, texts: string[]) => {
      const cache = path.join(work, `weights-${chunks}-${texts.length}.json`);
      await ok(['plan', STORIES260K, '--target-mix', 'Q2_K', ...texts.flatMap((t) => ['--text', t]), '--ctx', '64', '--chunks', chunks, '--measure', 'layer',
        '--sensitivity', cache, '--backend', 'cpu', '--threads', '1', '-o', path.join(work, 'weights.recipe.json')]);
      return JSON.parse(await readFile(cache, 'utf8')).positions as number;
    };
    const one = await positions('1', [calibration]);
    expect(await positions('2,1', [calibration, other])).toBe(3 * one);
    expect(await positions('2', [calibration, other])).toBe(4 * one);
    const bad = await runCli(['plan', STORIES260K, '--target-mix', 'Q8_0', '--text', calibration, '--text', other, '--chunks', '1,2,3', '-o', path.join(work, 'x.json')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--chunks 1,2,3: 3 counts for 2 --text files');
  }, 300_000);

  it('plan --refine searches nearby recipes on the --check-chunks chunks, and refuses bad counts', async () => {
    const recipe = path.join(work, 'refined.recipe.json');
    const r = await runCli(['plan', STORIES260K, '--target-mix', 'Q4_K_M', '--text', calibration, '--ctx', '64', '--chunks', '1', '--check-chunks', '3', '--measure', 'layer',
      '--refine', '6', '--backend', 'cpu', '--threads', '1', '-o', recipe]);
    expect(r.code, r.stderr).toBe(0);
    const line = /searched (\d+) nearby recipes of at most (\d+) bytes: (\d+) changes? kept, measured (\S+) -> (\S+)/.exec(r.stderr);
    expect(line, r.stderr).not.toBeNull();
    const [measured, target, kept, before, after] = line!.slice(1).map(Number) as [number, number, number, number, number];
    expect(measured).toBe(6);
    expect(kept).toBeLessThanOrEqual(measured);
    expect(after).toBeLessThanOrEqual(before);
    if (kept === 0) expect(after).toBe(before);
    expect(JSON.parse(await readFile(recipe, 'utf8')).fileBytes).toBeLessThanOrEqual(target);
    for (const [flag, value, message] of [['--refine', '1.5', 'expected how many recipes to measure'], ['--check-chunks', '0', 'expected a positive integer']]) {
      const bad = await runCli(['plan', STORIES260K, '--target-mix', 'Q4_K_M', '--text', calibration, flag!, value!, '-o', path.join(work, 'x.json')]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(`${flag} ${value}: ${message}`);
    }
  }, 300_000);

  it('names a --domain without a file, and a missing domain file before measuring anything', async () => {
    const bad = await runCli(['compare', STORIES260K, ...common(), '--domain', 'stories', '-o', path.join(work, 'bad')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--domain stories: expected NAME=FILE');
    const missing = await runCli(['compare', STORIES260K, ...common(), '--domain', `code=${path.join(work, 'nope.txt')}`, '-o', path.join(work, 'missing')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`--domain code=${path.join(work, 'nope.txt')}`);
    expect(missing.stderr).not.toContain('sensitivity measured');
    expect(await stat(path.join(work, 'missing')).catch(() => null)).toBeNull();
  }, 60_000);
});
