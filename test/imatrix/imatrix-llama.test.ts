// Our importance matrix against llama-imatrix itself on stories260K: same text, same context and
// chunks, same tokens. Every column of every entry within 1e-3 relative, same counts; and
// llama-quantize makes the same file from ours as from its own.
import { readFile, rm, mkdtemp, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { collectImatrix } from '../../src/core/imatrix/collect.ts';
import type { ImatrixStats } from '../../src/core/imatrix/imatrix-stats.ts';
import { imatrixGgufBytes } from '../../src/core/imatrix/write-imatrix-gguf.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { NodeFileSource, nodeModelFiles } from '../../src/io/node-files.node.ts';
import { exportModelFolder } from '../helpers/export-node.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

const CTX = 128;
const CHUNKS = 4;
let dir: string;
let f32Path: string;
let textPath: string;
let text: string;

/** An imatrix GGUF's raw entries (sums and counts, before llama-quantize normalizes them). */
async function readRawImatrix(file: string): Promise<{ stats: ImatrixStats; meta: Record<string, unknown> }> {
  const source = new NodeFileSource(path.basename(file), file, (await stat(file)).size);
  try {
    const { parsed, dataStart } = await readGgufInfo(source);
    const entries: ImatrixStats['entries'] = new Map();
    const f32 = async (offset: bigint | number, n: number) => {
      const bytes = await source.read(dataStart + Number(offset), n * 4);
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 4));
    };
    for (const t of parsed.tensorInfos) {
      if (!t.name.endsWith('.in_sum2')) continue;
      const name = t.name.slice(0, -'.in_sum2'.length);
      const counts = parsed.tensorInfos.find((c) => c.name === `${name}.counts`)!;
      entries.set(name, { sums: await f32(t.offset, Number(t.shape[0])), count: (await f32(counts.offset, 1))[0]! });
    }
    const meta = parsed.metadata as Record<string, unknown>;
    return { stats: { entries, chunkCount: Number(meta['imatrix.chunk_count']), chunkSize: Number(meta['imatrix.chunk_size']) }, meta };
  } finally {
    await source.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imatrix-'));
  f32Path = path.join(dir, 'stories260K-F32.gguf');
  await exportModelFolder(STORIES260K, f32Path, 'F32');
  // Enough text for a few more chunks than we use (both tools need at least two).
  text = (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 4000);
  textPath = path.join(dir, 'calibration.txt');
  await writeFile(textPath, text);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('imatrix vs llama-imatrix on stories260K', () => {
  it('tokenizes the calibration text exactly as llama.cpp', async () => {
    const files = await nodeModelFiles(STORIES260K);
    const ours = (await loadTextTokenizer(files)).encode(text);
    await files.close();
    const llama = await getOfflineLlama();
    const model = await llama.loadModel({ modelPath: f32Path });
    const theirs = model.tokenize(text);
    await model.dispose();
    expect(ours.length).toBeGreaterThan(CTX * (CHUNKS + 1));
    expect([1, ...theirs]).toEqual(ours);
  });

  it('collects the same sums and counts, and llama-quantize makes the same Q4_0/Q5_1 files from it', async () => {
    const theirsPath = path.join(dir, 'theirs.imatrix.gguf');
    // llama-imatrix with a float32 KV cache and no flash attention: the exact float32 model.
    await runLlamaTool('llama-imatrix', [
      '-m', f32Path, '-f', textPath, '-c', String(CTX), '--chunks', String(CHUNKS), '-o', theirsPath,
      '--no-ppl', '-fa', 'off', '-ctk', 'f32', '-ctv', 'f32', '-t', '2',
    ]);
    const theirs = await readRawImatrix(theirsPath);

    const files = await nodeModelFiles(STORIES260K);
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const ours = await collectImatrix(forwardModelFromPlan(plan), planWeights(plan, files), tokenizer.encode(text), {
      contextSize: CTX, maxChunks: CHUNKS, bos: tokenizer.bos,
    });
    await files.close();

    expect([...ours.entries.keys()].sort()).toEqual([...theirs.stats.entries.keys()].sort());
    expect(ours.entries.size).toBe(5 * 7);
    expect(ours.chunkCount).toBe(theirs.stats.chunkCount);
    expect(ours.chunkSize).toBe(theirs.stats.chunkSize);
    let worst = 0;
    for (const [name, e] of ours.entries) {
      const t = theirs.stats.entries.get(name)!;
      expect(e.count, name).toBe(t.count);
      expect(e.sums.length, name).toBe(t.sums.length);
      for (let j = 0; j < e.sums.length; j++) worst = Math.max(worst, Math.abs(e.sums[j]! - t.sums[j]!) / Math.abs(t.sums[j]!));
    }
    expect(worst).toBeLessThan(1e-3);
    expect(ours.entries.get('blk.0.attn_q.weight')!.count).toBe(CTX * CHUNKS);

    const oursPath = path.join(dir, 'ours.imatrix.gguf');
    await writeFile(oursPath, imatrixGgufBytes(ours, [textPath]));
    // Our file has their layout: the same metadata and tensor list.
    const reread = await readRawImatrix(oursPath);
    expect(reread.meta['imatrix.datasets']).toEqual(theirs.meta['imatrix.datasets']);
    expect(reread.meta['general.type']).toBe('imatrix');
    // Their sums through our writer: llama-quantize must read exactly the same matrix.
    const echoPath = path.join(dir, 'echo.imatrix.gguf');
    await writeFile(echoPath, imatrixGgufBytes(theirs.stats, [textPath]));
    const dataOf = async (f: string) => {
      const bytes = await readFile(f);
      const src = new NodeFileSource(f, f, bytes.length);
      const { dataStart } = await readGgufInfo(src);
      await src.close();
      return bytes.subarray(dataStart); // the metadata records the imatrix file name: compare tensor data
    };
    // llama.cpp against itself: the same imatrix run with another micro-batch size sums in another
    // order, and llama-quantize's files from the two differ in a few near-tie bytes too. That is
    // the yardstick for ours: bit-equal sums are not a property llama.cpp itself has.
    const theirsUb32Path = path.join(dir, 'theirs-ub32.imatrix.gguf');
    await runLlamaTool('llama-imatrix', [
      '-m', f32Path, '-f', textPath, '-c', String(CTX), '--chunks', String(CHUNKS), '-o', theirsUb32Path,
      '--no-ppl', '-fa', 'off', '-ctk', 'f32', '-ctv', 'f32', '-t', '2', '-ub', '32',
    ]);
    for (const type of ['Q4_0', 'Q5_1']) {
      const quantize = async (imatrix: string, name: string) => {
        const out = path.join(dir, `${name}-${type}.gguf`);
        await runLlamaTool('llama-quantize', ['--imatrix', imatrix, f32Path, out, type, '1']);
        return dataOf(out);
      };
      const [fromTheirs, fromEcho, fromOurs, fromTheirsUb32, plain] = [
        await quantize(theirsPath, 'theirs'), await quantize(echoPath, 'echo'), await quantize(oursPath, 'ours'), await quantize(theirsUb32Path, 'theirs-ub32'),
        await (async () => {
          const out = path.join(dir, `plain-${type}.gguf`);
          await runLlamaTool('llama-quantize', [f32Path, out, type, '1']);
          return dataOf(out);
        })(),
      ];
      expect(Buffer.compare(fromEcho, fromTheirs), `${type}: their sums written by us`).toBe(0);
      // Our sums differ from theirs by float32 summation noise (~1e-6): only near-ties may flip.
      const differing = (x: Buffer, y: Buffer) => x.reduce((n, v, i) => n + (v !== y[i] ? 1 : 0), 0);
      const ours = differing(fromOurs, fromTheirs);
      const llamaOwn = differing(fromTheirsUb32, fromTheirs);
      console.log(`${type}: ${ours} of ${fromTheirs.length} bytes differ with our imatrix; ${llamaOwn} with llama-imatrix's own at -ub 32`);
      expect(ours / fromTheirs.length, `${type}: bytes differing`).toBeLessThan(1e-3);
      expect(llamaOwn, `${type}: llama-imatrix at another micro-batch size`).toBeGreaterThan(0);
      // …while the imatrix does change the file (so the check above has teeth).
      expect(differing(plain, fromTheirs) / fromTheirs.length).toBeGreaterThan(0.05);
    }
  });
});
