// Split output: `quantize --split-max-tensors / --split-max-size` writes the files llama-gguf-split
// cuts from the unsplit file, byte for byte; `--keep-split` from a split source writes the files
// llama-quantize --keep-split writes. llama.cpp loads a split set from its first file, with the
// unsplit file's tensors and the same next-token distributions.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { readGguf } from '../helpers/gguf-read.ts';
import { getOfflineLlama, nextTokenDistributions } from '../helpers/llama.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { TINY_LLAMA_10M } from '../helpers/paths.ts';

let dir: string;
let bf16: string;
let unsplit: string;

async function cli(args: string[]): Promise<void> {
  const r = await runCli([...args, '--backend', 'cpu']);
  expect(r.code, r.stderr).toBe(0);
}

/** The files of `folder` named PREFIX-*, sorted. */
async function filesOf(folder: string, prefix: string): Promise<string[]> {
  return (await readdir(folder)).filter((n) => n.startsWith(`${prefix}-`)).sort();
}

async function expectSameFiles(ours: string[], theirs: string[], folder: string): Promise<void> {
  expect(ours.length).toBe(theirs.length);
  for (const [i, name] of ours.entries()) {
    expect(await describeGgufDifference(path.join(folder, name), path.join(folder, theirs[i]!)), name).toBeNull();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'split-gguf-'));
  bf16 = path.join(dir, 'tiny-BF16.gguf');
  unsplit = path.join(dir, 'tiny-Q4_K_M.gguf');
  await cli(['quantize', TINY_LLAMA_10M, '--type', 'BF16', '-o', bf16]);
  await cli(['quantize', bf16, '--type', 'Q4_K_M', '-o', unsplit]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('split output as llama-gguf-split cuts the unsplit file', () => {
  it('--split-max-tensors 10: 4 files, each byte-identical', async () => {
    const folder = path.join(dir, 'by-tensors');
    await mkdir(folder);
    await cli(['quantize', bf16, '--type', 'Q4_K_M', '--split-max-tensors', '10', '-o', path.join(folder, 'ours.gguf')]);
    await runLlamaTool('llama-gguf-split', ['--split', '--split-max-tensors', '10', unsplit, path.join(folder, 'theirs')]);
    const ours = await filesOf(folder, 'ours');
    expect(ours).toEqual(['ours-00001-of-00004.gguf', 'ours-00002-of-00004.gguf', 'ours-00003-of-00004.gguf', 'ours-00004-of-00004.gguf']);
    await expectSameFiles(ours, await filesOf(folder, 'theirs'), folder);
  });

  it('--split-max-size 3M: byte-identical', async () => {
    const folder = path.join(dir, 'by-size');
    await mkdir(folder);
    await cli(['quantize', bf16, '--type', 'Q4_K_M', '--split-max-size', '3M', '-o', path.join(folder, 'ours.gguf')]);
    await runLlamaTool('llama-gguf-split', ['--split', '--split-max-size', '3M', unsplit, path.join(folder, 'theirs')]);
    const ours = await filesOf(folder, 'ours');
    expect(ours.length).toBeGreaterThanOrEqual(3);
    await expectSameFiles(ours, await filesOf(folder, 'theirs'), folder);
  });

  it('loads in llama.cpp from its first file: the unsplit tensors, the same next-token distributions', async () => {
    const folder = path.join(dir, 'by-tensors');
    const ours = (await filesOf(folder, 'ours')).map((n) => path.join(folder, n));
    const whole = await readGguf(unsplit);
    const parts = await Promise.all(ours.map((f) => readGguf(f)));
    const names = parts.flatMap((p) => p.parsed.tensorInfos.map((t) => t.name));
    expect(names).toEqual(whole.parsed.tensorInfos.map((t) => t.name));
    for (const part of parts) {
      for (const t of part.parsed.tensorInfos) expect(Buffer.compare(part.tensor(t.name)!.data, whole.tensor(t.name)!.data), t.name).toBe(0);
    }
    const llama = await getOfflineLlama();
    const split = await llama.loadModel({ modelPath: ours[0]! });
    const one = await llama.loadModel({ modelPath: unsplit });
    try {
      const tokens = one.tokenize('Once upon a time, there was a little girl who loved the sea.');
      const [a, b] = [await nextTokenDistributions(split, tokens), await nextTokenDistributions(one, tokens)];
      expect(a.length).toBe(tokens.length);
      for (let i = 0; i < a.length; i++) expect(Buffer.compare(Buffer.from(a[i]!.buffer), Buffer.from(b[i]!.buffer)), `position ${i}`).toBe(0);
    } finally {
      await split.dispose();
      await one.dispose();
    }
  });

  it('--split-max-size 1M: a tensor larger than the size gets a file of its own, as gguf-split gives it', async () => {
    const folder = path.join(dir, 'small-size');
    await mkdir(folder);
    await cli(['quantize', bf16, '--type', 'Q4_K_M', '--split-max-size', '1M', '-o', path.join(folder, 'ours.gguf')]);
    await runLlamaTool('llama-gguf-split', ['--split', '--split-max-size', '1M', unsplit, path.join(folder, 'theirs')]);
    const ours = await filesOf(folder, 'ours');
    const embd = await readGguf(path.join(folder, ours[1]!));
    expect(embd.parsed.tensorInfos.map((t) => t.name)).toEqual(['token_embd.weight']);
    await expectSameFiles(ours, await filesOf(folder, 'theirs'), folder);
  });
});

describe('--keep-split from a split source', () => {
  it('writes the files llama-quantize --keep-split writes', async () => {
    const folder = path.join(dir, 'keep');
    await mkdir(folder);
    await runLlamaTool('llama-gguf-split', ['--split', '--split-max-tensors', '12', bf16, path.join(folder, 'src')]);
    const sources = await filesOf(folder, 'src');
    await cli(['quantize', path.join(folder, sources[0]!), '--type', 'Q5_K_M', '--keep-split', '-o', path.join(folder, 'ours.gguf')]);
    await runLlamaTool('llama-quantize', ['--keep-split', path.join(folder, sources[0]!), path.join(folder, 'theirs.gguf'), 'Q5_K_M']);
    const ours = await filesOf(folder, 'ours');
    expect(ours.length).toBe(sources.length);
    await expectSameFiles(ours, await filesOf(folder, 'theirs'), folder);
  });

  it('is refused for a source that is not a GGUF', async () => {
    const r = await runCli(['quantize', TINY_LLAMA_10M, '--type', 'Q8_0', '--keep-split', '-o', path.join(dir, 'never.gguf')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--keep-split keeps the files of a split GGUF source');
  });
});
