// bench:gpu section 1: quantization throughput per type on the GPU against llama-quantize on all
// cores, on the block tensors of a generated model's first layers, with an importance matrix for
// the types that read one, and every tensor's bytes compared with llama-quantize's.
// llama-quantize runs on our BF16 export with --pure; token_embd and the other layers' blocks stay
// BF16 (copied). Its time is the sum of its spans on our tensors, read off its log as it runs
// ("converting to …" to "size = …": the BF16 decode and the quantization, on all threads), so
// that loading and writing the file are not counted; ours is the quantizer's calls alone, on
// values already decoded to float32 (upload, kernels and read-back).
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { loadImatrix } from '../src/cli/commands/quantize.ts';
import { bitsPerWeight, GGML_TYPES, type GgmlTypeName } from '../src/core/ggml-type.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import type { PlannedTensor } from '../src/core/model/plan-types.ts';
import { readTensorRowsF32, tensorRowAlignment, tensorRows } from '../src/core/model/tensor-values.ts';
import type { RowQuantizer } from '../src/core/quant/row-quantizer.ts';
import { fallbackForRowLength } from '../src/core/recipe/choose-types.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';
import { readGguf } from '../test/helpers/gguf-read.ts';
import { randomImatrix, writeImatrixGguf } from '../test/helpers/imatrix-file.ts';
import { llamaToolPath } from '../test/helpers/llama-tools.ts';
import { mixFor } from './llama-quantize-compare.ts';

export interface GpuQuantizeBench {
  label: string;
  folder: string;
  /** Our BF16 export of `folder`: llama-quantize's input. */
  bf16Gguf: string;
  work: string;
  /** The blocks of layers [0, layers). */
  layers: number;
  /** Rows of each tensor quantized on the GPU (rounded up to whole heads); null: all. */
  rows: number | null;
  /** Null: every type the quantizer supports but BF16 (the source's own type). */
  types: readonly GgmlTypeName[] | null;
  quantizer: RowQuantizer;
}

interface Subject { t: PlannedTensor; rows: number; values: Float32Array }

const GB = 1e9;
const THREADS = String(cpus().length);
const bf16Bytes = (t: PlannedTensor, rows = tensorRows(t)) => rows * t.ne[0]! * 2;
/** Three significant digits, whatever the scale (a software adapter's rates are tiny). */
const figure = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const QUANTIZING = /\] (\S+)\s+- \[[^\]]*\], type = +\S+, converting to \S+ \.\. /;

interface Spans {
  /** Seconds on each tensor it quantized, by name. */
  seconds: Map<string, number>;
  /** Tensors whose two log lines came in one read: timed from the read before (an upper bound). */
  bounded: Set<string>;
}

/** Runs llama-quantize, timing its work on each tensor it quantizes from its log as it comes. */
function llamaQuantizeSpans(args: string[]): Promise<Spans> {
  return new Promise((resolve, reject) => {
    const child = spawn(llamaToolPath('llama-quantize'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const spans: Spans = { seconds: new Map(), bounded: new Set() };
    let log = '';
    let pending = '';
    let lastRead = performance.now();
    let current: { name: string; start: number; read: number } | null = null;
    child.stderr.on('data', (d: Buffer) => {
      const now = performance.now();
      log = (log + d).slice(-4000);
      pending += d;
      for (;;) {
        if (!current) {
          const m = QUANTIZING.exec(pending);
          if (!m) break;
          current = { name: m[1]!, start: now, read: lastRead };
          pending = pending.slice(m.index + m[0].length);
        } else {
          const end = pending.indexOf('size =');
          if (end < 0) break;
          const together = current.start === now;
          if (together) spans.bounded.add(current.name);
          spans.seconds.set(current.name, (now - (together ? current.read : current.start)) / 1000);
          current = null;
          pending = pending.slice(end);
        }
      }
      lastRead = now;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(spans) : reject(new Error(`llama-quantize ${args.join(' ')}: exit ${code}\n${log}`))));
  });
}

/** Returns the number of tensors whose bytes differ from llama-quantize's. */
export async function benchGpuQuantize(o: GpuQuantizeBench): Promise<number> {
  const files = await nodeModelFiles(o.folder);
  const subjects: Subject[] = [];
  let layerCount: number;
  try {
    const plan = await planModel(files);
    layerCount = plan.layerCount;
    for (const t of plan.tensors.filter((b) => b.layer !== null && b.layer < o.layers && b.quantizable)) {
      const align = tensorRowAlignment(t);
      const rows = Math.min(tensorRows(t), Math.ceil((o.rows ?? Infinity) / align) * align);
      subjects.push({ t, rows, values: await readTensorRowsF32(t, files, 0, rows) });
    }
  } finally {
    await files.close();
  }
  const imatrixFile = path.join(o.work, 'random.imatrix.gguf');
  await writeImatrixGguf(imatrixFile, randomImatrix(new Map(subjects.map((s) => [s.t.ggufName, s.t.ne[0]!])), 11), { dataset: 'random', chunkCount: 1, chunkSize: 512 });
  const imatrix = (await loadImatrix(imatrixFile)).entries;
  const types = o.types ?? (Object.keys(GGML_TYPES) as GgmlTypeName[])
    .filter((t) => t !== 'BF16' && GGML_TYPES[t].storable && o.quantizer.supports(t))
    .sort((a, b) => bitsPerWeight(b) - bitsPerWeight(a));
  // token_embd and the blocks of layers >= o.layers are copied: only the chosen blocks are quantized.
  // (A float type is no quantized default: llama-quantize then converts every block, but only
  // the spans of ours are counted.)
  const others = Array.from({ length: layerCount - o.layers }, (_, i) => i + o.layers);
  const keep = ['--pure', '--token-embedding-type', 'bf16', '--output-tensor-type', 'bf16', ...(others.length ? ['--tensor-type', `blk\\.(${others.join('|')})\\.=bf16`] : [])];
  const ourBytes = subjects.reduce((n, s) => n + bf16Bytes(s.t, s.rows), 0);
  const theirBytes = subjects.reduce((n, s) => n + bf16Bytes(s.t), 0);
  const rowNote = o.rows === null ? '' : `; the GPU quantizes the first ${o.rows} rows (whole heads) of each, ${(ourBytes / 1e6).toFixed(1)} MB`;
  console.log(`\n## 1. Quantize: ${subjects.length} block tensors of ${o.label} (layers 0–${o.layers - 1}), ${(theirBytes / GB).toFixed(3)} GB of BF16${rowNote}`);
  console.log(`GPU: the quantizer's calls on float32 values; llama-quantize on ${THREADS} threads: its time on these tensors, from its log; an imatrix (random) where the type reads one`);
  console.log('| type | imatrix | GPU s | GPU GB/s | llama-quantize s | llama-quantize GB/s | GPU ÷ llama-quantize | bytes | note |');
  console.log('|---|---|---:|---:|---:|---:|---:|---|---|');
  let differing = 0;
  for (const type of types) {
    const withImatrix = GGML_TYPES[type].quantizerUsesImatrix;
    const written = (s: Subject) => fallbackForRowLength(type, s.t.ne[0]!);
    const im = (s: Subject) => (withImatrix && GGML_TYPES[written(s)].quantizerUsesImatrix ? imatrix.get(s.t.ggufName)! : null);
    // One row of each kind first: the kernels compile outside the timing.
    const warmed = new Set<string>();
    for (const s of subjects) {
      const key = `${written(s)} ${s.t.ne[0]} ${im(s) !== null}`;
      if (!warmed.has(key)) await o.quantizer.quantizeRows(written(s), s.values.subarray(0, s.t.ne[0]!), s.t.ne[0]!, im(s));
      warmed.add(key);
    }
    const ours: Uint8Array[] = [];
    const started = performance.now();
    for (const s of subjects) ours.push(await o.quantizer.quantizeRows(written(s), s.values, s.t.ne[0]!, im(s)));
    const gpuSeconds = (performance.now() - started) / 1000;

    const out = path.join(o.work, `llama-${type}.gguf`);
    // A type no mix defaults to (NVFP4, Q1_0…) is asked for by name, tensor by tensor; a type this
    // llama-quantize does not know gets the GPU's figures alone.
    const mix = mixFor(type);
    const byName = mix ? [] : ['--tensor-type', `blk\\.(${Array.from({ length: o.layers }, (_, i) => i).join('|')})\\.=${type.toLowerCase()}`];
    let spans: Spans;
    try {
      spans = await llamaQuantizeSpans([...keep, ...byName, ...(withImatrix ? ['--imatrix', imatrixFile] : []), o.bf16Gguf, out, mix ?? 'Q8_0', THREADS]);
    } catch (e) {
      if (mix) throw e;
      await rm(out, { force: true });
      console.log(`| ${type} | ${withImatrix ? 'yes' : 'no'} | ${gpuSeconds.toFixed(3)} | ${figure(ourBytes / GB / gpuSeconds)} | — | — | — | not compared | this llama-quantize does not write ${type} |`);
      continue;
    }
    const unseen = subjects.filter((s) => !spans.seconds.has(s.t.ggufName));
    if (unseen.length) throw new Error(`llama-quantize ${type}: its log shows no quantization of ${unseen.map((s) => s.t.ggufName).join(', ')}`);
    const theirSeconds = subjects.reduce((n, s) => n + spans.seconds.get(s.t.ggufName)!, 0);
    const bounded = subjects.filter((s) => spans.bounded.has(s.t.ggufName)).length;
    const gguf = await readGguf(out);
    const wrong = subjects.filter((s, i) => {
      const theirs = gguf.tensor(s.t.ggufName);
      return !theirs || theirs.type !== written(s) || Buffer.compare(theirs.data.subarray(0, ours[i]!.length), ours[i]!) !== 0;
    });
    await rm(out, { force: true });
    differing += wrong.length;
    const fallbacks = subjects.filter((s) => written(s) !== type);
    const note = [
      fallbacks.length ? `${written(fallbacks[0]!)} for ${fallbacks.length} of ${subjects.length} (rows of ${fallbacks[0]!.t.ne[0]}, as llama.cpp falls back)` : '',
      bounded ? `llama-quantize's time is an upper bound: its log lines of ${bounded} tensor${bounded === 1 ? '' : 's'} came in one read` : '',
    ].filter(Boolean).join('; ');
    const gpuRate = ourBytes / GB / gpuSeconds;
    const theirRate = theirBytes / GB / theirSeconds;
    const bytes = wrong.length ? `DIFFER: ${wrong.map((s) => s.t.ggufName).slice(0, 3).join(', ')}${wrong.length > 3 ? ` and ${wrong.length - 3} more` : ''}` : `identical (${subjects.length})`;
    console.log(`| ${type} | ${withImatrix ? 'yes' : 'no'} | ${gpuSeconds.toFixed(3)} | ${figure(gpuRate)} | ${theirSeconds.toFixed(3)} | ${figure(theirRate)} | ${figure(gpuRate / theirRate)} | ${bytes} | ${note} |`);
  }
  await rm(imatrixFile, { force: true });
  return differing;
}
