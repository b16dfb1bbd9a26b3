// The GPU export equals the CPU export for the float, legacy, k-quant, ternary and MXFP4 types
// (gpu-vs-cpu.ts), and the GPU quantizer supports every type the CPU one does.
import { expect, it } from 'vitest';
import { createGpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { COMPARED_TYPES, describeGpuVsCpu } from './gpu-vs-cpu.ts';

describeGpuVsCpu(COMPARED_TYPES.filter((t) => !t.startsWith('IQ')));

it('the GPU supports every type the CPU does', async () => {
  const device = await createTestDevice();
  const gpu = createGpuRowQuantizer(device);
  try {
    expect(COMPARED_TYPES.filter((t) => !gpu.supports(t))).toEqual([]);
  } finally {
    gpu.dispose();
    device.destroy();
  }
});
