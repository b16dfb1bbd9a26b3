// bench:gpu section 2: calibration tokens/s, the importance matrix collected on the WebGPU forward
// (the studio's calibration) against llama-imatrix on all cores, on the same text, context and
// chunks. Ours is the collection alone (weights read, decoded and uploaded inside it, as the
// studio does); llama-imatrix's is its process wall time, model load included.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { loadImatrix } from '../src/cli/commands/quantize.ts';
import { imatrixGgufBytes } from '../src/core/imatrix/write-imatrix-gguf.ts';
import type { GpuForward } from '../src/gpu/forward/gpu-forward.ts';
import { collectImatrixGpu } from '../src/gpu/forward/gpu-imatrix.ts';
import { llamaToolPath } from '../test/helpers/llama-tools.ts';
import { openCalibration } from './calibration-gpu.ts';
import { timeProcess } from './llama-quantize-compare.ts';

export interface GpuCalibrationBench {
  label: string;
  folder: string;
  /** Our BF16 export of `folder`: llama-imatrix's input. */
  bf16Gguf: string;
  textFile: string;
  context: number;
  chunks: number;
  forward: GpuForward;
  work: string;
}

/** Prints the table; returns the GPU's importance matrix as a file (for the sensitivity section). */
export async function benchGpuCalibration(o: GpuCalibrationBench): Promise<string> {
  const threads = String(cpus().length);
  const c = await openCalibration(o.folder, await readFile(o.textFile, 'utf8'), o.context, o.chunks);
  const tokens = c.sequences.reduce((n, s) => n + s.length, 0);
  const imatrixFile = path.join(o.work, 'gpu.imatrix.gguf');
  let gpuSeconds: number;
  try {
    // The app's pass size (calibration-actions.ts): 16 sequences share a stream of the weights.
    const started = performance.now();
    const stats = await collectImatrixGpu(o.forward, c.model, c.weights, c.sequences, { sequencesPerPass: 16 });
    gpuSeconds = (performance.now() - started) / 1000;
    await writeFile(imatrixFile, imatrixGgufBytes(stats, [path.basename(o.textFile)]));
  } finally {
    await c.close();
  }
  const llamaSeconds = await timeProcess(llamaToolPath('llama-imatrix'), [
    '-m', o.bf16Gguf, '-f', o.textFile, '-c', String(o.context), '--chunks', String(o.chunks), '-t', threads,
    '-o', path.join(o.work, 'llama.imatrix.gguf'), '--no-ppl',
  ]);
  const entries = (await loadImatrix(imatrixFile)).entries.size;
  console.log(`\n## 2. Calibration (imatrix): ${o.label}, ${path.basename(o.textFile)}, ${o.chunks} chunk${o.chunks === 1 ? '' : 's'} of ${o.context} tokens`);
  console.log(`GPU: the WebGPU forward (collectImatrixGpu, ${entries} entries); llama-imatrix on ${threads} threads, process wall time`);
  console.log('| tokens | GPU s | GPU tokens/s | llama-imatrix s | llama-imatrix tokens/s | GPU ÷ llama-imatrix |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${tokens} | ${gpuSeconds.toFixed(2)} | ${(tokens / gpuSeconds).toFixed(1)} | ${llamaSeconds.toFixed(2)} | ${(tokens / llamaSeconds).toFixed(1)} | ${(llamaSeconds / gpuSeconds).toFixed(2)} |`);
  return imatrixFile;
}
