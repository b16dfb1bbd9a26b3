// The evidence rig for dynamic recipes on a small model (tiny-llama-10m by default, or a generated
// one): TinyStories split as the fixture's README says (first 90% calibration, the rest held out),
// the BF16 export, llama-imatrix on the calibration part, llama-perplexity's base logits on the
// held-out part, llama-quantize's mixes, and `quant-studio plan` / `quantize --recipe` for the
// dynamic recipes.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { Recipe } from '../../src/core/dynamic/recipe.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';

export const CTX = 256;
/** Held-out chunks llama-perplexity scores (of the ~76 the tail holds at CTX). */
export const EVAL_CHUNKS = 40;
/** Calibration chunks llama-imatrix reads. */
export const IMATRIX_CHUNKS = 32;

export interface TinyWorkspaceOptions {
  /** Context of llama-imatrix and llama-perplexity (default CTX). */
  ctx?: number;
  imatrixChunks?: number;
  evalChunks?: number;
}

export interface TinyWorkspace {
  dir: string;
  /** The Hugging Face folder every file here is made from. */
  model: string;
  ctx: number;
  bf16: string;
  imatrix: string;
  calibration: string;
  heldOut: string;
  baseKld: string;
}

/** The README's split: the last newline at or before 90% of the characters. */
export function splitHeldOut(text: string): { calibration: string; heldOut: string } {
  const cut = text.lastIndexOf('\n', Math.floor(text.length * 0.9)) + 1;
  return { calibration: text.slice(0, cut), heldOut: text.slice(cut) };
}

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`quant-studio ${args.join(' ')} failed: ${r.stderr}`);
  return r.stderr;
}

export async function prepareTinyWorkspace(dir: string, model: string = TINY_LLAMA_10M, options: TinyWorkspaceOptions = {}): Promise<TinyWorkspace> {
  const ctx = String(options.ctx ?? CTX);
  const { calibration, heldOut } = splitHeldOut(await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8'));
  const w: TinyWorkspace = {
    dir, model, ctx: options.ctx ?? CTX, bf16: path.join(dir, 'tiny-bf16.gguf'), imatrix: path.join(dir, 'tiny.imatrix.gguf'),
    calibration: path.join(dir, 'calibration.txt'), heldOut: path.join(dir, 'held-out.txt'), baseKld: path.join(dir, 'base.kld'),
  };
  await writeFile(w.calibration, calibration);
  await writeFile(w.heldOut, heldOut);
  await cli(['quantize', model, '--type', 'BF16', '--backend', 'cpu', '-o', w.bf16]);
  await runLlamaTool('llama-imatrix', ['-m', w.bf16, '-f', w.calibration, '-c', ctx, '--chunks', String(options.imatrixChunks ?? IMATRIX_CHUNKS), '-o', w.imatrix, '--no-ppl', '-fa', 'off', '-t', '2']);
  await runLlamaTool('llama-perplexity', ['-m', w.bf16, '-f', w.heldOut, '-c', ctx, '--chunks', String(options.evalChunks ?? EVAL_CHUNKS), '--kl-divergence-base', w.baseKld, '-fa', 'off', '-t', '2']);
  return w;
}

/** llama-perplexity's KL statistics; `kldSe` and `sameTopSe` are its ± (one standard error). */
export interface KldFigures { kld: number; kldSe: number; sameTop: number; sameTopSe: number; ppl: number; kld99_9: number }

function parseKldFigures(out: string): KldFigures {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`llama-perplexity output has no ${re}:\n${out.slice(-2000)}`);
    return Number(m[1]);
  };
  return {
    kld: num(/Mean\s+KLD:\s+(-?[\d.]+)/), kldSe: num(/Mean\s+KLD:\s+-?[\d.]+\s+±\s+([\d.]+)/),
    sameTop: num(/Same top p:\s+([\d.]+)/) / 100, sameTopSe: num(/Same top p:\s+[\d.]+\s+±\s+([\d.]+)/) / 100,
    ppl: num(/Mean PPL\(Q\)\s+:\s+([\d.]+)/),
    kld99_9: num(/99\.9%\s+KLD:\s+(-?[\d.]+)/),
  };
}

/**
 * llama-perplexity --kl-divergence of a GGUF against the BF16 base on the held-out text. Its
 * logger sometimes exits before printing the final statistics (more often on a loaded machine):
 * the run is deterministic, so it is simply run again.
 */
export async function llamaKld(w: TinyWorkspace, gguf: string): Promise<KldFigures> {
  for (let attempt = 1; ; attempt++) {
    const { stdout, stderr } = await runLlamaTool('llama-perplexity', ['-m', gguf, '-c', String(w.ctx), '--kl-divergence-base', w.baseKld, '--kl-divergence', '-fa', 'off', '-t', '2']);
    try {
      return parseKldFigures(stdout + stderr);
    } catch (e) {
      if (attempt === 10) throw new Error(`${gguf}: ${(e as Error).message}`);
    }
  }
}

/** llama.cpp's own mix file (llama-quantize with the same imatrix). */
export async function llamaMix(w: TinyWorkspace, mix: string): Promise<string> {
  const out = path.join(w.dir, `tiny-${mix}.gguf`);
  await runLlamaTool('llama-quantize', ['--imatrix', w.imatrix, w.bf16, out, mix, '2']);
  return out;
}

/** `quant-studio plan` (the sensitivity cached in the workspace) then `quantize --recipe`, on the workspace's model. */
export async function dynamicFile(w: TinyWorkspace, tag: string, target: string[], extra: string[] = []): Promise<{ gguf: string; recipe: Recipe; recipePath: string }> {
  const recipePath = path.join(w.dir, `dynamic-${tag}.recipe.json`);
  const gguf = path.join(w.dir, `dynamic-${tag}.gguf`);
  await cli(['plan', w.model, ...target, '--imatrix', w.imatrix, '--text', w.calibration, '--sensitivity', path.join(w.dir, 'sensitivity.json'), '--backend', 'cpu', ...extra, '-o', recipePath]);
  await cli(['quantize', w.model, '--recipe', recipePath, '--imatrix', w.imatrix, '--backend', 'cpu', '-o', gguf]);
  return { gguf, recipe: JSON.parse(await readFile(recipePath, 'utf8')) as Recipe, recipePath };
}

/** One file of a comparison: its size and llama-perplexity's figures. */
export interface ComparedFile { name: string; bytes: number; measured: KldFigures }

/**
 * `dynamic@MIX` against MIX among `rows`: no larger, a lower mean KLD, lower by at least `required`
 * (a fraction); the figures are logged under `label`.
 */
export function expectDynamicBeatsMix(label: string, rows: readonly ComparedFile[], mix: string, required: number): void {
  const mixRow = rows.find((r) => r.name === mix)!;
  const dyn = rows.find((r) => r.name === `dynamic@${mix}`)!;
  expect(dyn.bytes).toBeLessThanOrEqual(mixRow.bytes);
  const lower = 1 - dyn.measured.kld / mixRow.measured.kld;
  console.log(`${label}${mix}: mean KLD ${mixRow.measured.kld} -> ${dyn.measured.kld} (${(100 * lower).toFixed(1)}% lower), same top ${(100 * mixRow.measured.sameTop).toFixed(2)}% -> ${(100 * dyn.measured.sameTop).toFixed(2)}%`);
  expect(dyn.measured.kld).toBeLessThan(mixRow.measured.kld);
  expect(lower).toBeGreaterThanOrEqual(required);
}
