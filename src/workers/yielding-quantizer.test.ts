import { describe, expect, it } from 'vitest';
import { cpuRowQuantizer } from '../core/quant/cpu-quantizer.ts';
import { yieldingQuantizer } from './yielding-quantizer.ts';

function values(n: number, seed = 7): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[i] = (seed / 2 ** 32 - 0.5) * 4;
  }
  return out;
}

describe('yieldingQuantizer', () => {
  it('writes the same bytes as one call, with and without an imatrix', async () => {
    const cols = 256;
    const src = values(cols * 300);
    const imatrix = values(cols, 3).map(Math.abs);
    const sliced = yieldingQuantizer(cpuRowQuantizer, () => null, { initialChunkElements: 16_384, targetCallMs: 1, maxChunkElements: 16_384 });
    for (const type of ['Q4_0', 'Q5_1', 'Q8_0'] as const) {
      for (const im of [null, imatrix]) {
        expect(await sliced.quantizeRows(type, src, cols, im)).toEqual(await cpuRowQuantizer.quantizeRows(type, src, cols, im));
      }
    }
  });

  it('stops at the next slice once the signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const counting = { ...cpuRowQuantizer, quantizeRows: (...args: Parameters<typeof cpuRowQuantizer.quantizeRows>) => {
      calls++;
      if (calls === 2) controller.abort(new DOMException('The export was cancelled', 'AbortError'));
      return cpuRowQuantizer.quantizeRows(...args);
    } };
    const sliced = yieldingQuantizer(counting, () => controller.signal, { initialChunkElements: 16_384, targetCallMs: 1, maxChunkElements: 16_384 });
    await expect(sliced.quantizeRows('Q8_0', values(256 * 640), 256, null)).rejects.toThrow(/cancelled/);
    expect(calls).toBe(2); // 640 rows are 10 chunks of at most 64: it stopped after the second
  });

  it('grows its chunks on a fast quantizer and shrinks them on a slow one, within the bounds', async () => {
    const sizes: number[] = [];
    const timed = (ms: number) => ({
      ...cpuRowQuantizer,
      quantizeRows: async (...args: Parameters<typeof cpuRowQuantizer.quantizeRows>) => {
        sizes.push(args[1].length / args[2]);
        await new Promise((r) => setTimeout(r, ms));
        return cpuRowQuantizer.quantizeRows(...args);
      },
    });
    const options = { initialChunkElements: 256 * 8, targetCallMs: 40, maxChunkElements: 256 * 64 };
    await yieldingQuantizer(timed(0), () => null, options).quantizeRows('Q8_0', values(256 * 400), 256, null);
    expect(sizes[0]).toBe(8);
    expect(Math.max(...sizes)).toBe(64);
    sizes.length = 0;
    const slow = yieldingQuantizer(timed(120), () => null, options);
    const src = values(256 * 12);
    expect(await slow.quantizeRows('Q8_0', src, 256, null)).toEqual(await cpuRowQuantizer.quantizeRows('Q8_0', src, 256, null));
    expect(sizes[0]).toBe(8);
    expect(sizes[1]).toBeLessThanOrEqual(3);
  });

  it('passes malformed input to the inner quantizer, whose error names the problem', async () => {
    const sliced = yieldingQuantizer(cpuRowQuantizer, () => null, { initialChunkElements: 16_384, targetCallMs: 1, maxChunkElements: 16_384 });
    await expect(sliced.quantizeRows('Q8_0', values(256 * 100 + 5), 256, null)).rejects.toThrow(/whole rows/);
  });
});
