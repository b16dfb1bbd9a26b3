// GPU calibration throughput (tokens/s of the imatrix forward) on the adapter at hand, for
// stories260K and tiny-llama-10m, next to the CPU reference. Prints figures; never fails on time.
// Standalone: node scripts/with-webgpu-env.mjs node --import ./bin/register-ts.mjs bench/calibration-gpu.ts
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { requestNodeAdapter } from '../src/cli/backend.ts';
import { chunkTokens } from '../src/core/forward/chunks.ts';
import { forwardModelFromPlan } from '../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../src/core/forward/tokenize.ts';
import { planWeights } from '../src/core/forward/weights.ts';
import { collectImatrix } from '../src/core/imatrix/collect.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import { describeDevice, requestQuantDevice } from '../src/gpu/device.ts';
import { createGpuForward } from '../src/gpu/forward/gpu-forward.ts';
import { collectImatrixGpu } from '../src/gpu/forward/gpu-imatrix.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const MODELS = [
  { name: 'stories260K', dir: path.join(SHARED, 'fixtures/stories260K'), context: 128, chunks: 4 },
  { name: 'tiny-llama-10m', dir: path.join(SHARED, 'fixtures/tiny-llama-10m'), context: 64, chunks: 2 },
];

/** A model folder's forward inputs, and `text` tokenized and cut into `chunks` chunks of `context` tokens as the CLI's imatrix does. */
export async function openCalibration(dir: string, text: string, context: number, chunks: number) {
  const files = await nodeModelFiles(dir);
  try {
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const tokens = tokenizer.encode(text);
    const options = { contextSize: context, maxChunks: chunks, bos: tokenizer.bos };
    return {
      plan, model: forwardModelFromPlan(plan), weights: planWeights(plan, files), tokens, options,
      sequences: chunkTokens(tokens, options), close: () => files.close(),
    };
  } catch (e) {
    await files.close();
    throw e;
  }
}

export async function benchCalibrationGpu(): Promise<void> {
  const found = await requestNodeAdapter();
  if (!found) throw new Error('bench/calibration-gpu.ts: no WebGPU adapter found (Dawn/Vulkan)');
  const device = await requestQuantDevice(found.gpu);
  const forward = createGpuForward(device);
  try {
    console.log(`\n## Calibration (imatrix forward) throughput\nGPU: ${describeDevice(device)}`);
    console.log('| model | tokens | GPU tokens/s | CPU tokens/s |');
    console.log('|---|---:|---:|---:|');
    const text = await readFile(path.join(SHARED, 'fixtures/text/tinystories_val_sample.txt'), 'utf8');
    for (const m of MODELS) {
      const c = await openCalibration(m.dir, text, m.context, m.chunks);
      try {
        const n = m.context * m.chunks;
        let t0 = performance.now();
        await collectImatrixGpu(forward, c.model, c.weights, c.sequences, { sequencesPerPass: m.chunks });
        const gpuRate = n / ((performance.now() - t0) / 1000);
        t0 = performance.now();
        await collectImatrix(c.model, c.weights, c.tokens, { ...c.options, chunksPerPass: m.chunks });
        const cpuRate = n / ((performance.now() - t0) / 1000);
        console.log(`| ${m.name} | ${n} | ${gpuRate.toFixed(1)} | ${cpuRate.toFixed(1)} |`);
      } finally {
        await c.close();
      }
    }
  } finally {
    forward.dispose();
    device.destroy();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await benchCalibrationGpu();
}
