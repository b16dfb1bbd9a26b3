// GPU calibration throughput (tokens/s of the imatrix forward) on the adapter at hand, for
// stories260K and tiny-llama-10m, next to the CPU reference. Prints figures; never fails on time.
// Standalone: node scripts/with-webgpu-env.mjs node --import ./bin/register-ts.mjs bench/calibration-gpu.ts
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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

export async function benchCalibrationGpu(): Promise<void> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpuApi = create([]);
  (globalThis as { __benchCalibrationGpu?: GPU }).__benchCalibrationGpu = gpuApi;
  const device = await requestQuantDevice(gpuApi);
  const forward = createGpuForward(device);
  try {
    console.log(`\n## Calibration (imatrix forward) throughput\nGPU: ${describeDevice(device)}`);
    console.log('| model | tokens | GPU tokens/s | CPU tokens/s |');
    console.log('|---|---:|---:|---:|');
    const text = await readFile(path.join(SHARED, 'fixtures/text/tinystories_val_sample.txt'), 'utf8');
    for (const m of MODELS) {
      const files = await nodeModelFiles(m.dir);
      try {
        const plan = await planModel(files);
        const model = forwardModelFromPlan(plan);
        const weights = planWeights(plan, files);
        const tokens = (await loadTextTokenizer(files)).encode(text);
        const options = { contextSize: m.context, maxChunks: m.chunks, bos: tokens[0] ?? null };
        const chunks = chunkTokens(tokens, options);
        const n = m.context * m.chunks;
        let t0 = performance.now();
        await collectImatrixGpu(forward, model, weights, chunks, { sequencesPerPass: m.chunks });
        const gpuRate = n / ((performance.now() - t0) / 1000);
        t0 = performance.now();
        await collectImatrix(model, weights, tokens, { ...options, chunksPerPass: m.chunks });
        const cpuRate = n / ((performance.now() - t0) / 1000);
        console.log(`| ${m.name} | ${n} | ${gpuRate.toFixed(1)} | ${cpuRate.toFixed(1)} |`);
      } finally {
        await files.close();
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
