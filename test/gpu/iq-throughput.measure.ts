// Prints GPU throughput of the low-bit i-quant quantizers (super-blocks per second, with an
// imatrix) on a 16x2048 gaussian tensor, and checks the bytes against the CPU reference (a
// different distribution than the golden files). Figures only: on SwiftShader they say nothing
// about real GPUs. Run with test/gpu/measure.vitest.config.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { quantizeRowsCpu } from '../../src/core/quant/cpu-quantizer.ts';
import { describeDevice } from '../../src/gpu/device.ts';
import { createGpuIqQuantizer, type GpuIqQuantizer } from '../../src/gpu/iq-gpu-quantizer.ts';
import { GPU_IQ_TYPES } from '../../src/gpu/gpu-types.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { makeRng } from './softfloat-cases.ts';

const ROWS = 16;
const COLS = 2048;
let device: GPUDevice;
let quantizer: GpuIqQuantizer;

beforeAll(async () => {
  device = await createTestDevice();
  quantizer = createGpuIqQuantizer(device);
});
afterAll(() => {
  quantizer?.dispose();
  device?.destroy();
});

it(`i-quant throughput on ${ROWS}x${COLS} with an imatrix`, async () => {
  const rng = makeRng(7);
  const uniform = () => (rng() + 1) / 4294967297;
  const src = new Float32Array(ROWS * COLS);
  for (let i = 0; i < src.length; i++) src[i] = 0.02 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const imatrix = Float32Array.from({ length: COLS }, () => Math.exp(2 * uniform() - 1));
  const superblocks = src.length / 256;
  console.log(`device: ${describeDevice(device)}`);
  for (const type of GPU_IQ_TYPES) {
    await quantizer.quantizeRows(type, src.subarray(0, 256), 256, imatrix.subarray(0, 256)); // compile outside the timing
    const t0 = performance.now();
    const got = await quantizer.quantizeRows(type, src, COLS, imatrix);
    const s = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const want = quantizeRowsCpu(type, src, COLS, imatrix);
    const cpu = (performance.now() - t1) / 1000;
    console.log(`${type}: GPU ${(superblocks / s).toFixed(1)} super-blocks/s (${s.toFixed(2)} s), CPU reference ${(superblocks / cpu).toFixed(0)}/s`);
    expect(Buffer.compare(got, want), `${type} differs from the CPU reference`).toBe(0);
  }
});
