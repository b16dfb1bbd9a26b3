// The device's buffer accounting (src/gpu/gpu-memory.ts) on Dawn: bytes count from createBuffer
// to destroy(), the peak holds the most held at once, and quantizing a tensor on the GPU gives
// back every buffer it made (its peak is what the export reports to the user).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpuMemoryOf, resetGpuMemoryPeak } from '../../src/gpu/gpu-memory.ts';
import { createGpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await createTestDevice();
});
afterAll(() => device?.destroy());

describe('GPU memory accounting', () => {
  it('counts live bytes from create to destroy, once per buffer, and keeps the peak', () => {
    const before = gpuMemoryOf(device)!;
    resetGpuMemoryPeak(device);
    const a = device.createBuffer({ size: 1 << 20, usage: GPUBufferUsage.STORAGE });
    const b = device.createBuffer({ size: 3 << 20, usage: GPUBufferUsage.STORAGE });
    expect(gpuMemoryOf(device)!.liveBytes - before.liveBytes).toBe(4 << 20);
    a.destroy();
    a.destroy();
    expect(gpuMemoryOf(device)!.liveBytes - before.liveBytes).toBe(3 << 20);
    b.destroy();
    const after = gpuMemoryOf(device)!;
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.peakBytes - before.liveBytes).toBe(4 << 20);
  });

  it('a GPU quantizer holds a bounded pool: a second tensor adds nothing to what the first left', async () => {
    const quantizer = createGpuRowQuantizer(device);
    const cols = 4096;
    const rows = 64;
    const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 0.02);
    const before = gpuMemoryOf(device)!.liveBytes;
    resetGpuMemoryPeak(device);
    const bytes = await quantizer.quantizeRows('Q8_0', values, cols, null);
    expect(bytes.length).toBe(rows * (cols / 32) * 34);
    const first = gpuMemoryOf(device)!;
    expect(first.peakBytes).toBeGreaterThan(before);
    await quantizer.quantizeRows('Q8_0', values, cols, null);
    const second = gpuMemoryOf(device)!;
    expect(second.liveBytes).toBe(first.liveBytes);
    expect(second.peakBytes).toBe(first.peakBytes);
  }, 300_000);
});
