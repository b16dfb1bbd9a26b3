// Our CPU forward and imatrix against llama.cpp's on generated models of a family, shared by
// arch-forward-llama-cpp-*.test.ts (which hold the cases): each generated model (random weights,
// larger than the generator's default so that the distributions are far from uniform; with
// stories260K's 512-token vocabulary: the families' 128k-262k-row heads made each of the two
// files take minutes instead of about 20 s, and the tokenizers are checked in arch-llama-cpp) is
// exported as F32 and read back by both; with an F32 KV cache and flash attention off, the
// log-probabilities agree at every position. A control forward missing the family's difference
// is far from llama.cpp's: agreement is not something any forward would reach. The importance
// matrix from our forward equals llama-imatrix's on the same file and text.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromGguf } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { runForward } from '../../src/core/forward/run-forward.ts';
import { ggufWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { collectImatrix } from '../../src/core/imatrix/collect.ts';
import { readImatrix } from '../../src/core/imatrix/read-imatrix.ts';
import { imatrixGgufBytes } from '../../src/core/imatrix/write-imatrix-gguf.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { NodeFileSource, nodeModelFiles } from '../../src/io/node-files.node.ts';
import { exportModelFolder } from '../helpers/export-node.ts';
import { generateArchModel, type ArchName, type GenerateOptions, type GeneratedExperts } from '../helpers/generate-arch-model.ts';
import { Rng } from '../helpers/generate-model.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { readImatrixCounts } from '../helpers/imatrix-file.ts';
import { TEXT } from '../helpers/paths.ts';

const POSITIONS = 24;
const IMATRIX_CTX = 64;
const IMATRIX_CHUNKS = 3;

interface Loaded {
  folder: string;
  ggufPath: string;
  source: NodeFileSource;
  model: ForwardModel;
  weights: WeightSource;
  tokens: number[];
}

let dir: string;

async function load(c: ArchForwardCase): Promise<Loaded> {
  const name = c.name ?? c.arch;
  // The folder's name is general.name (llama.cpp reads "phi3" in it for Phi-3's token rules).
  const folder = path.join(dir, `${name}-tiny-random`);
  // Larger weights than the generator's default, so that the next-token distributions are far from uniform.
  await generateArchModel(c.arch, folder, { dtype: 'F32', seed: 3, hidden: 128, scale: 0.2, smallVocab: true, experts: c.experts, ...c.generate });
  const ggufPath = path.join(dir, `${name}-F32.gguf`);
  await exportModelFolder(folder, ggufPath, 'F32');
  const source = new NodeFileSource(`${name}-F32.gguf`, ggufPath, (await stat(ggufPath)).size);
  const info = await readGgufInfo(source);
  const model = forwardModelFromGguf(info, `${name}-F32.gguf`);
  const rng = new Rng(5);
  const tokens = Array.from({ length: POSITIONS }, () => Math.floor(rng.uniform() * model.hparams.vocabSize));
  return { folder, ggufPath, source, model, weights: await ggufWeights(source, info), tokens };
}

/** ln p of every token after every position, from our forward. */
async function ourLogProbs(m: Loaded, model = m.model, weights = m.weights, ggmlCpuActivations = false): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  await runForward(model, weights, {
    sequences: [m.tokens],
    kvCache: 'f32',
    ggmlCpuActivations,
    onLogits: (_s, _pos, logits) => {
      let max = -Infinity;
      for (const l of logits) max = Math.max(max, l);
      let sum = 0;
      for (const l of logits) sum += Math.exp(l - max);
      const lse = max + Math.log(sum);
      out.push(Float64Array.from(logits, (l) => l - lse));
    },
  });
  return out;
}

/** ln p from llama.cpp (node-llama-cpp's CPU build), F32 KV cache, flash attention off. */
async function llamaLogProbs(m: Loaded): Promise<Float64Array[]> {
  const llama = await getOfflineLlama();
  const loaded = await llama.loadModel({ modelPath: m.ggufPath });
  try {
    const context = await loaded.createContext({
      contextSize: 64, batchSize: 64, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
    });
    const results = await context.getSequence().controlledEvaluate(m.tokens.map((t) => [t, { generateNext: { probabilities: true } }]) as never);
    await context.dispose();
    return (results as Array<{ next?: { probabilities?: Map<number, number> } }>).map((r, i) => {
      if (!r.next?.probabilities) throw new Error(`llama.cpp gave no probabilities at position ${i}`);
      const out = new Float64Array(m.model.hparams.vocabSize).fill(-Infinity);
      for (const [t, p] of r.next.probabilities) out[t] = Math.log(p);
      return out;
    });
  } finally {
    await loaded.dispose();
  }
}

function maxAbsDiff(a: Float64Array[], b: Float64Array[]): number {
  let max = 0;
  for (let p = 0; p < a.length; p++) for (let i = 0; i < a[p]!.length; i++) max = Math.max(max, Math.abs(a[p]![i]! - b[p]![i]!));
  return max;
}

/** The largest ln p at a position, less the mean ln p there: 0 for a uniform distribution. */
function peakedness(logProbs: Float64Array[]): number {
  return Math.min(...logProbs.map((l) => l.reduce((m, v) => Math.max(m, v), -Infinity) - l.reduce((s, v) => s + v, 0) / l.length));
}

export interface ArchForwardCase {
  arch: ArchName;
  /** Names the generated folder and files where one family has two cases (default: arch). */
  name?: string;
  generate?: GenerateOptions;
  experts?: GeneratedExperts;
  check: (m: ForwardModel) => void;
  /** A forward without the family's difference, in the model's hyperparameters or (controlWeights) in its weights. */
  control?: (m: ForwardModel) => ForwardModel;
  controlWeights?: (w: WeightSource) => WeightSource;
  /** Entries of the imatrix per layer (default 7), or (imatrixEntries) in all. */
  imatrixPerLayer?: number;
  imatrixEntries?: number;
  unreachedExperts?: boolean;
  /**
   * Round matmul activations as ggml's CPU backend does for the weight's type: where the F32 export
   * keeps tensors quantized (gpt-oss's MXFP4 experts), llama.cpp multiplies them by Q8_0 activations.
   */
  ggmlCpuActivations?: boolean;
  /** The imatrix's tolerance, relative per column (default 1e-3). */
  imatrixTolerance?: number;
}

/** Registers the scratch folder and, per case, the log-probability and imatrix comparisons. */
export function archForwardSuite(cases: ArchForwardCase[]): void {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'arch-forward-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  for (const c of cases) {
    describe(`${c.name ?? c.arch}: CPU forward and imatrix vs llama.cpp (F32 weights and KV cache)`, () => {
      let m: Loaded;
      beforeAll(async () => {
        m = await load(c);
      }, 120_000);
      afterAll(async () => {
        await m?.source.close();
      });

      it('log-probabilities within 1e-3 at every position', async () => {
        expect(m.model.hparams.architecture).toBe(({ phi4mini: 'phi3', granite4: 'granite', granite4h: 'granitehybrid', granite4hmoe: 'granitehybrid', granitemoeshared: 'granitemoe', gptoss: 'gpt-oss' } as Record<string, string>)[c.arch] ?? c.arch);
        c.check(m.model);
        const theirs = await llamaLogProbs(m);
        const ours = await ourLogProbs(m, m.model, m.weights, c.ggmlCpuActivations);
        expect(ours).toHaveLength(POSITIONS);
        expect(theirs).toHaveLength(POSITIONS);
        expect(peakedness(theirs), 'the distributions are far from uniform').toBeGreaterThan(1);
        const diff = maxAbsDiff(ours, theirs);
        expect(diff, `max |Δ ln p| ${diff}`).toBeLessThan(1e-3);
        if (c.control || c.controlWeights) {
          const wrong = maxAbsDiff(await ourLogProbs(m, c.control?.(m.model) ?? m.model, c.controlWeights?.(m.weights) ?? m.weights, c.ggmlCpuActivations), theirs);
          expect(wrong, `control: max |Δ ln p| ${wrong}, against ${diff}`).toBeGreaterThan(Math.max(20 * diff, 1e-3));
        }
      }, 180_000);

      it(`imatrix equal to llama-imatrix (counts exactly, every column within ${c.imatrixTolerance ?? 1e-3} relative or of a thousandth of its row)`, async () => {
        const files = await nodeModelFiles(m.folder);
        const tokenizer = await loadTextTokenizer(files);
        await files.close();
        const text = (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 3000);
        const textPath = path.join(dir, `${c.name ?? c.arch}-calibration.txt`);
        await writeFile(textPath, text);
        const theirsPath = path.join(dir, `${c.name ?? c.arch}-theirs.imatrix.gguf`);
        await runLlamaTool('llama-imatrix', [
          '-m', m.ggufPath, '-f', textPath, '-c', String(IMATRIX_CTX), '--chunks', String(IMATRIX_CHUNKS), '-o', theirsPath,
          '--no-ppl', '-fa', 'off', '-ctk', 'f32', '-ctv', 'f32', '-t', '2',
        ]);
        const stats = await collectImatrix(m.model, m.weights, tokenizer.encode(text), { contextSize: IMATRIX_CTX, maxChunks: IMATRIX_CHUNKS, bos: tokenizer.bos, ggmlCpuActivations: c.ggmlCpuActivations });
        const oursPath = path.join(dir, `${c.name ?? c.arch}-ours.imatrix.gguf`);
        await writeFile(oursPath, imatrixGgufBytes(stats, [textPath]));
        const [ours, theirs] = await Promise.all([oursPath, theirsPath].map(async (f) => {
          const source = new NodeFileSource(path.basename(f), f, (await stat(f)).size);
          try {
            return await readImatrix(source);
          } finally {
            await source.close();
          }
        }));
        const [ourCounts, theirCounts] = await Promise.all([readImatrixCounts(oursPath), readImatrixCounts(theirsPath)]);
        expect(ourCounts).toEqual(theirCounts);
        if (c.unreachedExperts) {
          const unreached = [...theirCounts].filter(([name]) => name.includes('_exps')).flatMap(([, counts]) => counts.filter((n) => n === 0));
          expect(unreached.length, 'experts no calibration token reached').toBeGreaterThan(0);
        }
        expect(ours!.chunkCount).toBe(IMATRIX_CHUNKS);
        expect([...ours!.entries.keys()]).toEqual([...theirs!.entries.keys()]);
        expect(ours!.entries.size).toBe(c.imatrixEntries ?? (c.imatrixPerLayer ?? 7) * m.model.hparams.layerCount);
        // Relative to each column, or to a thousandth of its row's mean where it is smaller: an expert
        // one token reached can have a column whose dot products cancelled, where float rounding
        // differs in relative terms (see test/gpu-forward/forward-compare.ts).
        let worst = 0;
        for (const [name, values] of ours!.entries) {
          const t = theirs!.entries.get(name)!;
          expect(values.length, name).toBe(t.length);
          const cols = m.model.tensors.get(name)!.ne[0]!;
          for (let start = 0; start < t.length; start += cols) {
            const floor = 1e-3 * t.subarray(start, start + cols).reduce((a, v) => a + Math.abs(v), 0) / cols;
            for (let j = start; j < start + cols; j++) worst = Math.max(worst, Math.abs(values[j]! - t[j]!) / Math.max(Math.abs(t[j]!), floor));
          }
        }
        expect(worst, `worst relative difference ${worst}`).toBeLessThan(c.imatrixTolerance ?? 1e-3);
      }, 180_000);
    });
  }
}
