// Every GPU buffer of the forward fits the device's limits: on a device that keeps WebGPU's
// default limits (128 MiB per storage binding, 256 MiB per buffer) and on one raised to what the
// adapter allows, a Qwen3-shaped model whose output head (151936 × 256 floats, 156 MB) is larger
// than one default binding gives the CPU reference's logits, and no buffer or binding it made
// exceeds the limits. WebGPU would refuse an oversized one as a validation error; the recorded
// sizes say which one it was.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../../src/core/forward/forward-types.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { createGpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { generateArchModel } from '../helpers/generate-arch-model.ts';
import { createTestDevice, getNodeGpu, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { cpuForward, logitsCollector, maxLogitDiff, type ForwardResult } from './forward-compare.ts';

const HIDDEN = 256;

interface Sizes { buffers: number[]; bindings: number[] }

/** Records the size of every buffer created on `device` and of every buffer binding in a bind group. */
function recordSizes(device: GPUDevice): Sizes {
  const sizes: Sizes = { buffers: [], bindings: [] };
  const createBuffer = device.createBuffer.bind(device);
  const createBindGroup = device.createBindGroup.bind(device);
  device.createBuffer = (descriptor) => {
    sizes.buffers.push(descriptor.size);
    return createBuffer(descriptor);
  };
  device.createBindGroup = (descriptor) => {
    for (const entry of descriptor.entries) {
      const resource = entry.resource as GPUBufferBinding;
      if (resource && 'buffer' in resource) sizes.bindings.push(resource.size ?? resource.buffer.size - (resource.offset ?? 0));
    }
    return createBindGroup(descriptor);
  };
  return sizes;
}

async function defaultLimitsDevice(): Promise<GPUDevice> {
  const adapter = await getNodeGpu().requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  return adapter.requestDevice({ label: 'default-limits' });
}

describe('GPU forward within the device limits', () => {
  let dir: string;
  let files: Awaited<ReturnType<typeof nodeModelFiles>>;
  let model: ForwardModel;
  let weights: WeightSource;
  let reference: ForwardResult;
  const sequences = [[11, 4096, 151000, 77, 9, 123], [5, 60000, 2, 31000]];
  const outputFrom = (s: number) => sequences[s]!.length - 2;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gpu-limits-'));
    await generateArchModel('qwen3', dir, { hidden: HIDDEN, seed: 3 });
    files = await nodeModelFiles(dir);
    const plan = await planModel(files);
    model = forwardModelFromPlan(plan);
    weights = planWeights(plan, files);
    reference = await cpuForward(model, weights, sequences, 'f32', outputFrom);
  }, 300_000);

  afterAll(async () => {
    await files?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([['WebGPU default limits', defaultLimitsDevice], ['limits raised to the adapter', createTestDevice]])('%s: same logits, every buffer and binding within the limits', async (_, makeDevice) => {
    const device = await makeDevice();
    const sizes = recordSizes(device);
    const gpu = createGpuForward(device);
    try {
      const headBytes = model.hparams.vocabSize * HIDDEN * 4;
      if (device.label === 'default-limits') expect(headBytes).toBeGreaterThan(device.limits.maxStorageBufferBindingSize);
      const { logits, onLogits } = logitsCollector(sequences);
      await gpu.run(model, weights, { sequences, onLogits, outputFrom, kvCache: 'f32' });
      expect(maxLogitDiff(logits, reference.logits)).toBeLessThan(1e-3);
      expect(sizes.buffers.length).toBeGreaterThan(0);
      expect(sizes.buffers.filter((s) => s > device.limits.maxBufferSize)).toEqual([]);
      expect(sizes.bindings.length).toBeGreaterThan(0);
      expect(sizes.bindings.filter((s) => s > device.limits.maxStorageBufferBindingSize)).toEqual([]);
      expect(uncapturedGpuErrors).toEqual([]);
    } finally {
      gpu.dispose();
      device.destroy();
    }
  }, 600_000);
});
