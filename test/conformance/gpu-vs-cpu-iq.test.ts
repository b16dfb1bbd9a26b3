// The GPU export equals the CPU export for the i-quants (gpu-vs-cpu.ts).
import { describe, expect, it } from 'vitest';
import { COMPARED_TYPES, useGpuVsCpu } from './gpu-vs-cpu.ts';

const compare = useGpuVsCpu();

describe('GPU and CPU paths give identical files', () => {
  for (const type of COMPARED_TYPES.filter((t) => t.startsWith('IQ'))) {
    it(type, async () => expect(await compare.differences(type)).toEqual([]), 900_000);
  }
});
