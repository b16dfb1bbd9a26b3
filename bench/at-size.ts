// `npm run bench:size [shape...] [--chunks N] [--ctx N] [--steps a,b]`: the command line on
// generated models with real checkpoints' configs (test/helpers/size-models.ts), next to
// llama.cpp's own tools on the same machine, the same files and all the machine's cores.
// Prints wall time and peak RSS of each step and the ratios; never passes or fails on time.
// The quantize rows also print the memory bound the issue sets: 2x the largest tensor as BF16
// + 300 MB.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runAndMeasurePeakRss } from './export-memory.ts';
import { llamaToolPath } from '../test/helpers/llama-tools.ts';
import { sizeModel, sizeModelShards } from '../test/size-models/size-models.ts';
import { isSizeModelName, SIZE_MODELS, type SizeModelName } from '../test/size-models/shapes.ts';
import { TEXT } from '../test/helpers/paths.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const CLI = path.join(REPO, 'bin/quant-studio.mjs');
const MB = 1e6;
const THREADS = String(cpus().length);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    chunks: { type: 'string', default: '2' },
    ctx: { type: 'string', default: '512' },
    steps: { type: 'string', default: 'inspect,quantize,imatrix,eval,plan' },
    keep: { type: 'boolean', default: false },
  },
});
const shapes = positionals.length ? positionals : ['qwen3-0.6b', 'llama-3.2-1b'];
for (const name of shapes) if (!isSizeModelName(name)) throw new Error(`${name}: not a size model (npm run fixtures:size -- --list)`);
const steps = new Set(values.steps!.split(','));
const text = path.join(TEXT, 'wiki.test.raw');

interface Measured { seconds: number; peakRss: number }

const ours = (args: string[]): Promise<Measured> => runAndMeasurePeakRss(process.execPath, [CLI, ...args]);
const theirs = (tool: Parameters<typeof llamaToolPath>[0], args: string[]): Promise<Measured> => runAndMeasurePeakRss(llamaToolPath(tool), args);

function row(step: string, a: Measured | null, b: Measured | null, note = ''): void {
  const cell = (m: Measured | null) => (m ? `${m.seconds.toFixed(1)} s / ${(m.peakRss / MB).toFixed(0)} MB` : '—');
  const ratio = a && b ? `${(a.seconds / b.seconds).toFixed(2)}× / ${(a.peakRss / b.peakRss).toFixed(2)}×` : '—';
  console.log(`| ${step} | ${cell(a)} | ${cell(b)} | ${ratio} | ${note} |`);
}

/** The model's largest tensor in bytes as BF16, and all its tensors' bytes. */
function tensorBytes(name: SizeModelName): { largest: number; total: number } {
  const sizes = sizeModelShards(SIZE_MODELS[name]).flat().map((t) => t.shape.reduce((a, b) => a * b, 1) * 2);
  return { largest: Math.max(...sizes), total: sizes.reduce((a, b) => a + b, 0) };
}

for (const shape of shapes) {
  const model = await sizeModel(shape as SizeModelName);
  const work = path.join(tmpdir(), `bench-size-${shape}`);
  await mkdir(work, { recursive: true });
  const out = (name: string) => path.join(work, name);
  const { largest, total: modelBytes } = tensorBytes(shape as SizeModelName);
  const bound = 2 * largest + 300 * MB;
  console.log(`\n## ${shape}: ${(modelBytes / MB).toFixed(0)} MB of BF16, ${THREADS} cores; text ${path.basename(text)}, ${values.chunks} chunks of ${values.ctx}`);
  console.log('| step | ours (time / peak RSS) | llama.cpp | ours ÷ llama.cpp (time / RSS) | note |');
  console.log('|---|---:|---:|---:|---|');
  try {
    if (steps.has('inspect')) row('inspect', await ours(['inspect', model]), null);
    // The BF16 export is what llama.cpp's tools read, and the base of every comparison.
    const bf16 = out('model-BF16.gguf');
    const exported = await ours(['quantize', model, '--type', 'BF16', '-o', bf16]);
    row('export BF16', exported, null, `peak within ${(bound / MB).toFixed(0)} MB: ${exported.peakRss <= bound ? 'yes' : 'NO'}`);
    const imatrix = out('ours.imatrix.gguf');
    if (steps.has('imatrix')) {
      const a = await ours(['imatrix', model, '--text', text, '--ctx', values.ctx!, '--chunks', values.chunks!, '-o', imatrix]);
      const b = await theirs('llama-imatrix', ['-m', bf16, '-f', text, '-c', values.ctx!, '--chunks', values.chunks!, '-t', THREADS, '-o', out('theirs.imatrix.gguf'), '--no-ppl']);
      row('imatrix', a, b);
    }
    const haveImatrix = await stat(imatrix).then(() => true, () => false);
    if (steps.has('quantize')) {
      for (const mix of ['Q8_0', 'Q4_K_M', 'IQ4_XS']) {
        const im = mix === 'Q8_0' || !haveImatrix ? [] : ['--imatrix', imatrix];
        const a = await ours(['quantize', model, '--type', mix, ...im, '-o', out(`ours-${mix}.gguf`)]);
        const b = await theirs('llama-quantize', [...im, bf16, out(`theirs-${mix}.gguf`), mix, THREADS]);
        const same = Buffer.compare(await readFile(out(`ours-${mix}.gguf`)), await readFile(out(`theirs-${mix}.gguf`))) === 0;
        row(`quantize ${mix}${im.length ? ' (imatrix)' : ''}`, a, b, `${same ? 'byte-identical' : 'FILES DIFFER'}; peak within ${(bound / MB).toFixed(0)} MB: ${a.peakRss <= bound ? 'yes' : 'NO'}`);
        if (mix !== 'Q4_K_M') await rm(out(`ours-${mix}.gguf`), { force: true });
        await rm(out(`theirs-${mix}.gguf`), { force: true });
      }
    }
    const q4 = out('ours-Q4_K_M.gguf');
    const haveQ4 = await stat(q4).then(() => true, () => false);
    if (steps.has('eval') && haveQ4) {
      const a = await ours(['eval', model, q4, '--text', text, '--ctx', values.ctx!, '--chunks', values.chunks!]);
      // KL divergence in llama.cpp takes two runs: the base model's logits saved, then the quant's.
      const logits = out('base.kld');
      const base = await theirs('llama-perplexity', ['-m', bf16, '-f', text, '-c', values.ctx!, '--chunks', values.chunks!, '-t', THREADS, '--kl-divergence-base', logits]);
      const quant = await theirs('llama-perplexity', ['-m', q4, '-f', text, '-c', values.ctx!, '--chunks', values.chunks!, '-t', THREADS, '--kl-divergence-base', logits, '--kl-divergence']);
      row('eval (KLD vs BF16)', a, { seconds: base.seconds + quant.seconds, peakRss: Math.max(base.peakRss, quant.peakRss) }, 'llama.cpp: two llama-perplexity runs');
      await rm(logits, { force: true });
    }
    if (steps.has('plan')) {
      const im = haveImatrix ? ['--imatrix', imatrix] : [];
      const a = await ours(['plan', model, '--target-mix', 'Q4_K_M', ...im, '--text', text, '--ctx', values.ctx!, '--chunks', '1', '-o', out('recipe.json')]);
      row('plan @ Q4_K_M size', a, null, 'no llama.cpp counterpart');
    }
  } finally {
    if (!values.keep) await rm(work, { recursive: true, force: true });
  }
}
