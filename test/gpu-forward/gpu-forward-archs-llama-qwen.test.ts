// GPU forward = CPU reference on generated llama3 (rope_freqs), qwen2 (biases), qwen3 (q/k norms).
import { describe, expect, it } from 'vitest';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';

const compareArch = useArchComparison();

describe('GPU forward vs the CPU reference on generated models', () => {
  for (const c of ARCH_CASES.filter((c) => ['llama3', 'qwen2', 'qwen3'].includes(c.arch))) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});
