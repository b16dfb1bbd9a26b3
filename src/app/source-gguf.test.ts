import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { sourceGgufOf } from './source-gguf.ts';

const tensor = (file: string, dtype: string, ggufName = `t${n++}`) => ({ ggufName, source: { kind: 'gguf', file, dtype } });
let n = 0;
const plan = (tensors: object[]) => ({ tensors } as unknown as ModelPlan);
const pin = { repo: 'owner/m-GGUF', revision: 'main', commit: 'c0ffee', endpoint: 'https://huggingface.co' };

describe('sourceGgufOf', () => {
  it('a checkpoint is no GGUF source', () => {
    expect(sourceGgufOf({ kind: 'folder', pin: null }, plan([{ ggufName: 'w', source: { dtype: 'BF16' } }]), [new Map([['w', 'Q4_K']])])).toBeUndefined();
  });

  it('a Hub split set: its first part by its path in the repository, the part count, the pinned commit; Q8_0 to Q4_K is a requantization', () => {
    const parts = ['q8/m-Q8_0-00002-of-00002.gguf', 'q8/m-Q8_0-00001-of-00002.gguf'];
    const p = plan([tensor(parts[0]!, 'Q8_0', 'a'), tensor(parts[1]!, 'Q8_0', 'b'), tensor(parts[1]!, 'F32', 'norm')]);
    // Kept as stored: a copy, no --allow-requantize.
    expect(sourceGgufOf({ kind: 'hub', pin }, p, [new Map([['a', 'Q8_0'], ['b', 'Q8_0'], ['norm', 'F32']])])!.requantize).toBe(false);
    expect(sourceGgufOf({ kind: 'hub', pin }, p, [new Map([['a', 'Q8_0'], ['b', 'Q8_0']]), new Map([['a', 'Q4_K'], ['b', 'Q8_0']])])).toEqual({
      file: 'q8/m-Q8_0-00001-of-00002.gguf', parts: 2, hubRepo: 'owner/m-GGUF', revision: 'c0ffee', requantize: true,
    });
  });

  it('a dropped F16 file: its name, nothing to requantize', () => {
    expect(sourceGgufOf({ kind: 'folder', pin: null }, plan([tensor('models/m-F16.gguf', 'F16', 'w')]), [new Map([['w', 'Q4_K']])])).toEqual({
      file: 'm-F16.gguf', requantize: false,
    });
  });
});
