// GPU forward = CPU reference on generated gemma2 and gemma3 (GeGLU, embedding scale, post norms,
// soft-capping, sliding windows).
import { describe, expect, it } from 'vitest';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';

const compareArch = useArchComparison();

describe('GPU forward vs the CPU reference on generated models', () => {
  for (const c of ARCH_CASES.filter((c) => c.arch.startsWith('gemma'))) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});
