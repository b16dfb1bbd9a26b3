// The GPU export equals the CPU export for the float, legacy, k-quant, ternary, MXFP4, NVFP4, Q1_0 and Q2_0 types
// (gpu-vs-cpu.ts), and the GPU quantizer has a kernel for every type the CPU one writes.
import { describe, expect, it } from 'vitest';
import { COMPARED_TYPES, useGpuVsCpu } from './gpu-vs-cpu.ts';

const compare = useGpuVsCpu();

describe('GPU and CPU paths give identical files', () => {
  it('the GPU supports every type the CPU does', () => expect(compare.unsupported(COMPARED_TYPES)).toEqual([]));

  for (const type of COMPARED_TYPES.filter((t) => !t.startsWith('IQ'))) {
    it(type, async () => expect(await compare.differences(type)).toEqual([]), 900_000);
  }
});
