// GPU forward = CPU reference on a generated Qwen3-MoE, OLMoE and Granite MoE, with and without a shared expert (8 experts, two per token): the router's
// logits, the routing, each expert on its gathered rows, the weighted slots summed into the
// stream; and the imatrix with a row of sums and a count per expert.
import { describe, expect, it } from 'vitest';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';

const compareArch = useArchComparison();

describe('GPU forward vs the CPU reference on a generated MoE model', () => {
  for (const c of ARCH_CASES.filter((c) => ['qwen3moe', 'olmoe', 'granitemoe', 'granitemoeshared'].includes(c.arch))) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});
