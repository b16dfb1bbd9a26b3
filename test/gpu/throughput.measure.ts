// Prints GPU quantization throughput (MB/s of float32 input) for Q8_0 and Q4_0 on a 1024x4096
// tensor. Figures only: on SwiftShader they say nothing about real GPUs. The outputs are also
// compared with the CPU reference (a larger, differently distributed tensor than the goldens),
// and a 4096x4096 tensor goes through the chunked path.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGpuRowQuantizer, type GpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { describeDevice } from '../../src/gpu/device.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { makeRng } from './softfloat-cases.ts';
import { quantizeRowsCpu } from '../../src/core/quant/cpu-quantizer.ts';

const ROWS = 1024;
const COLS = 4096;
let device: GPUDevice;
let quantizer: GpuRowQuantizer;

beforeAll(async () => {
  device = await createTestDevice();
  quantizer = createGpuRowQuantizer(device);
});
afterAll(() => {
  quantizer?.dispose();
  device?.destroy();
});

function gaussianTensor(rows: number, cols: number): Float32Array {
  const rng = makeRng(42);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const u = (rng() + 1) / 4294967297, v = rng() / 4294967296;
    out[i] = 0.02 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

it(`throughput on ${ROWS}x${COLS}`, async () => {
  const src = gaussianTensor(ROWS, COLS);
  const mb = src.byteLength / 1e6;
  console.log(`device: ${describeDevice(device)}`);
  for (const type of ['Q8_0', 'Q4_0'] as const) {
    await quantizer.quantizeRows(type, src.subarray(0, COLS), COLS, null); // compile outside the timing
    const t0 = performance.now();
    const out = await quantizer.quantizeRows(type, src, COLS, null);
    const s = (performance.now() - t0) / 1000;
    console.log(`${type}: ${(mb / s).toFixed(2)} MB/s of f32 input (${s.toFixed(2)} s for ${mb.toFixed(1)} MB)`);
    expect(Buffer.compare(out, quantizeRowsCpu(type, src, COLS, null)), `${type} differs from the CPU reference`).toBe(0);
  }
});

it('a 4096x4096 tensor through the chunked path (Q8_0, F16)', async () => {
  const src = gaussianTensor(4096, 4096);
  for (const type of ['Q8_0', 'F16'] as const) {
    const t0 = performance.now();
    const out = await quantizer.quantizeRows(type, src, 4096, null);
    console.log(`${type} 4096x4096: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    expect(Buffer.compare(out, quantizeRowsCpu(type, src, 4096, null)), `${type} differs from the CPU reference`).toBe(0);
  }
});
