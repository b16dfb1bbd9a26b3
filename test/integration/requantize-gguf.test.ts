// GGUF as input: `quantize` from a GGUF file gives the bytes llama-quantize gives from the same
// file — from our own BF16 export and from llama.cpp's converter output (stories260K's reference
// file), with and without an importance matrix, from a quantized source behind
// --allow-requantize (refused without it, as llama-quantize refuses), and from a split source
// (llama-gguf-split's shards, opened by any shard's name).
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { isQuantizableTensor } from '../../src/core/model/llama-tensor-names.ts';
import { NodeFileSource } from '../../src/io/node-files.node.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { randomImatrix, writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K, TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';

let dir: string;
let bf16: string;
let imatrix: string;
const CONVERTER_F32 = path.join(STORIES260K, 'reference-f32.gguf');

/** The matrices of a GGUF that llama-imatrix collects for (name -> input columns). */
async function matrixColumns(file: string): Promise<Map<string, number>> {
  const source = new NodeFileSource(path.basename(file), file, (await stat(file)).size);
  try {
    const { parsed } = await readGgufInfo(source);
    const columns = new Map<string, number>();
    for (const t of parsed.tensorInfos) {
      const ne = t.shape.map(Number);
      if (isQuantizableTensor(t.name, ne)) columns.set(t.name, ne[0]!);
    }
    return columns;
  } finally {
    await source.close();
  }
}

async function ours(source: string, mix: string, out: string, extra: string[] = []): Promise<void> {
  const r = await runCli(['quantize', source, '--type', mix, '-o', out, '--backend', 'cpu', ...extra]);
  expect(r.code, r.stderr).toBe(0);
}

async function theirs(source: string, mix: string, out: string, extra: string[] = []): Promise<void> {
  await runLlamaTool('llama-quantize', [...extra, source, out, mix]);
}

async function expectSameAsLlamaQuantize(
  source: string, mix: string, name: string, extra: { ours?: string[]; theirs?: string[]; theirSource?: string } = {},
): Promise<void> {
  const a = path.join(dir, `${name}-ours.gguf`);
  const b = path.join(dir, `${name}-llama.gguf`);
  await ours(source, mix, a, extra.ours);
  await theirs(extra.theirSource ?? source, mix, b, extra.theirs);
  expect(await describeGgufDifference(a, b), `${name}: ${mix} from ${path.basename(source)}`).toBeNull();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'requantize-'));
  bf16 = path.join(dir, 'tiny-llama-BF16.gguf');
  await ours(TINY_LLAMA_10M, 'BF16', bf16);
  imatrix = path.join(dir, 'tiny-llama.imatrix.gguf');
  await writeImatrixGguf(imatrix, randomImatrix(await matrixColumns(bf16), 7), { dataset: 'random', chunkCount: 3, chunkSize: 512 });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('quantize from our BF16 export', () => {
  for (const mix of ['Q4_K_M', 'Q6_K', 'Q3_K_S', 'Q5_0', 'F16']) {
    it(`${mix}: byte-identical to llama-quantize`, async () => {
      await expectSameAsLlamaQuantize(bf16, mix, `bf16-${mix}`);
    });
  }
  for (const mix of ['IQ4_XS', 'Q4_K_M', 'IQ2_XS']) {
    it(`${mix} with an imatrix: byte-identical to llama-quantize`, async () => {
      await expectSameAsLlamaQuantize(bf16, mix, `bf16-im-${mix}`, { ours: ['--imatrix', imatrix], theirs: ['--imatrix', imatrix] });
    });
  }
});

describe("quantize from llama.cpp's converter output (stories260K F32)", () => {
  for (const mix of ['Q8_0', 'Q4_K_M', 'Q5_K_S']) {
    it(`${mix}: byte-identical to llama-quantize`, async () => {
      await expectSameAsLlamaQuantize(CONVERTER_F32, mix, `converter-${mix}`);
    });
  }
});

describe('quantize from a quantized GGUF', () => {
  let q8: string;
  beforeAll(async () => {
    q8 = path.join(dir, 'tiny-llama-Q8_0.gguf');
    await theirs(bf16, 'Q8_0', q8);
  });

  it('is refused without --allow-requantize, as llama-quantize refuses it, naming the tensor and the option', async () => {
    const out = path.join(dir, 'refused.gguf');
    const r = await runCli(['quantize', q8, '--type', 'Q4_K_M', '-o', out, '--backend', 'cpu']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tensor "[^"]+": requantizing from type Q8_0 \(to \w+\) is disabled/);
    expect(r.stderr).toContain('--allow-requantize');
    await expect(stat(out)).rejects.toThrow();
    await expect(theirs(q8, 'Q4_K_M', path.join(dir, 'refused-llama.gguf'))).rejects.toThrow(/requantizing from type q8_0 is disabled/);
  });

  it('with --allow-requantize: byte-identical to llama-quantize --allow-requantize', async () => {
    await expectSameAsLlamaQuantize(q8, 'Q4_K_M', 'q8-Q4_K_M', { ours: ['--allow-requantize'], theirs: ['--allow-requantize'] });
  });

  it('to its own type: every tensor copied, no option needed (llama-quantize copies what keeps its type)', async () => {
    await expectSameAsLlamaQuantize(q8, 'Q8_0', 'q8-Q8_0');
  });
});

describe('quantize from a split GGUF', () => {
  let shards: string[];
  beforeAll(async () => {
    const splitDir = path.join(dir, 'split');
    await mkdir(splitDir);
    await runLlamaTool('llama-gguf-split', ['--split', '--split-max-tensors', '12', bf16, path.join(splitDir, 'tiny-llama-BF16')]);
    shards = (await readdir(splitDir)).sort().map((n) => path.join(splitDir, n));
  });

  it('llama-gguf-split made several shards', () => {
    expect(shards.length).toBeGreaterThanOrEqual(3);
    expect(path.basename(shards[0]!)).toBe(`tiny-llama-BF16-00001-of-0000${shards.length}.gguf`);
  });

  it('Q4_K_M from the shards (named by the second one; llama-quantize takes the first) equals llama-quantize from them, and the unsplit result', async () => {
    await expectSameAsLlamaQuantize(shards[1]!, 'Q4_K_M', 'split-Q4_K_M', { theirSource: shards[0]! });
    const unsplit = path.join(dir, 'unsplit-Q4_K_M.gguf');
    await theirs(bf16, 'Q4_K_M', unsplit);
    expect(await describeGgufDifference(path.join(dir, 'split-Q4_K_M-ours.gguf'), unsplit)).toBeNull();
  });

  it('a missing shard is named', async () => {
    const lonely = path.join(dir, 'lonely');
    await mkdir(lonely);
    await copyFile(shards[0]!, path.join(lonely, path.basename(shards[0]!)));
    const r = await runCli(['inspect', path.join(lonely, path.basename(shards[0]!))]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`tiny-llama-BF16-00002-of-0000${shards.length}.gguf: missing from lonely (shard 2 of ${shards.length})`);
  });
});

describe('GGUF source errors', () => {
  it('refuses to write over its own source', async () => {
    const r = await runCli(['quantize', bf16, '--type', 'Q8_0', '-o', bf16]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('the model file');
  });

  it('an importance matrix given as the model says what it is', async () => {
    const r = await runCli(['inspect', imatrix]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('an importance matrix, not a model');
  });
});

describe("llama-quantize's other options, from a GGUF", () => {
  it('--prune-layers, --override-kv of every type, an imatrix with --exclude-weights: byte-identical', async () => {
    const options = [
      '--prune-layers', '1,2', '--override-kv', 'general.name=str:pruned tiny', '--override-kv', 'tokenizer.ggml.add_bos_token=bool:false',
      '--override-kv', 'llama.context_length=int:-4096', '--override-kv', 'llama.rope.freq_base=float:20000.5',
      '--imatrix', imatrix, '--exclude-weights', 'attn_v',
    ];
    await expectSameAsLlamaQuantize(bf16, 'Q4_K_M', 'options-prune', { ours: options, theirs: options });
  });

  it('--include-weights: byte-identical', async () => {
    const options = ['--imatrix', imatrix, '--include-weights', 'ffn_down', '--include-weights', 'blk.3.'];
    await expectSameAsLlamaQuantize(bf16, 'IQ4_XS', 'options-include', { ours: options, theirs: options });
  });

  it('refuses what llama-quantize refuses, naming the option', async () => {
    const out = path.join(dir, 'never.gguf');
    const cases: [string[], RegExp][] = [
      [['--imatrix', imatrix, '--include-weights', 'a', '--exclude-weights', 'b'], /--include-weights and --exclude-weights cannot be used together/],
      [['--override-kv', 'general.name=text:x'], /--override-kv general.name=text:x: unknown type "text"/],
      [['--override-kv', 'llama.context_length=int:12abc'], /"12abc" is not a whole number/],
      [['--prune-layers', '1,9'], /--prune-layers 1,9: "9" is not a block of this model \(0 to 3\)/],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli(['quantize', bf16, '--type', 'Q4_K_M', '-o', out, ...extra]);
      expect(r.code, extra.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(message);
    }
    await expect(stat(out)).rejects.toThrow();
  });
});

describe('calibration and evaluation from a GGUF source', () => {
  const text = path.join(TEXT, 'tinystories_val_sample.txt');
  it("imatrix from llama.cpp's F32 conversion equals the imatrix from the checkpoint folder, byte for byte (same ids, same forward)", async () => {
    const [fromGguf, fromFolder] = [path.join(dir, 'im-gguf.gguf'), path.join(dir, 'im-folder.gguf')];
    for (const [source, out] of [[CONVERTER_F32, fromGguf], [STORIES260K, fromFolder]] as const) {
      const r = await runCli(['imatrix', source, '--text', text, '--ctx', '64', '--chunks', '3', '-o', out]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await readFile(fromGguf)).equals(await readFile(fromFolder))).toBe(true);
  });

  it('plan (sensitivity on worker threads) from our F32 export chooses the types it chooses from the folder', async () => {
    const f32 = path.join(dir, 'stories260K-F32.gguf');
    await ours(STORIES260K, 'F32', f32);
    const recipes = [];
    for (const [source, name] of [[f32, 'gguf'], [STORIES260K, 'folder']] as const) {
      const out = path.join(dir, `plan-${name}.json`);
      const r = await runCli(['plan', source, '--target-mix', 'Q4_K_M', '--text', text, '--ctx', '64', '--chunks', '4', '--threads', '2', '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      recipes.push(JSON.parse(await readFile(out, 'utf8')) as { tensors: unknown[]; predictedKld: number });
    }
    expect(recipes[0]!.tensors).toEqual(recipes[1]!.tensors);
    expect(recipes[0]!.predictedKld).toBe(recipes[1]!.predictedKld);
  });

  it('eval with the GGUF as the unquantized model reports what eval with the folder reports', async () => {
    const quant = path.join(dir, 'stories-Q4_K_M.gguf');
    await ours(CONVERTER_F32, 'Q4_K_M', quant);
    const reports = [];
    for (const source of [CONVERTER_F32, STORIES260K]) {
      const r = await runCli(['eval', source, quant, '--text', text, '--ctx', '64', '--chunks', '3', '--json']);
      expect(r.code, r.stderr).toBe(0);
      reports.push(JSON.parse(r.stdout));
    }
    expect(reports[0].kld.mean.value).toBeGreaterThan(0);
    expect(reports[0]).toEqual(reports[1]);
  });
});
