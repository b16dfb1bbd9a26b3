// GPU forward = CPU reference on generated smollm3 (a layer without rope), olmo2 (norms only after,
// q/k norms over the whole projection) and granite (embedding, attention, residual and logit scales).
import { describe, expect, it } from 'vitest';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';

const compareArch = useArchComparison();
const ARCHS = ['smollm3', 'olmo2', 'granite'];

describe('GPU forward vs the CPU reference on generated models', () => {
  for (const c of ARCH_CASES.filter((c) => ARCHS.includes(c.arch))) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});
