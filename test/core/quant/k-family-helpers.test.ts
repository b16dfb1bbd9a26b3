import { describe, expect, it } from 'vitest';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import { blockQuants } from '../../../src/core/quant/wasm/block-quants-wasm.ts';

describe('helpers of the K-quant family', () => {
  it('MXFP4\'s floorLog2f matches floorf(log2f(x)), including log2f rounding up just below 2^k for |k| >= 2', () => {
    const floorLog2f = blockQuants().exports.mxfp4FloorLog2;
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let e = -149; e <= 127; e++) {
      f[0] = 2 ** e;
      const base = u[0]!;
      for (let k = -40; k <= 40; k++) {
        u[0] = base + k;
        const a = f[0]!;
        if (!(a > 0) || !Number.isFinite(a)) continue;
        const expected = Math.floor(Math.fround(Math.log2(a)));
        if (floorLog2f(a) !== expected) expect(floorLog2f(a), `2^${e} ${k >= 0 ? '+' : ''}${k} ulp`).toBe(expected);
      }
    }
    expect(floorLog2f(Math.fround(8 - 2 ** -21))).toBe(3);
    expect(floorLog2f(Math.fround(4 - 2 ** -22))).toBe(1);
    expect(floorLog2f(Math.fround(0.25 - 2 ** -26))).toBe(-2);
    expect(floorLog2f(2 ** -149)).toBe(-149);
  });

  it('MXFP4 gives an infinite block the exponent byte 0, as the C cast of floorf(log2f(inf)) does', () => {
    const src = new Float32Array(32);
    src[3] = Infinity;
    expect(quantizeRowsCpu('MXFP4', src, 32, null)[0]).toBe(0);
  });

  it('MXFP4 writes the exponent byte from that floor, wrapping below 2^-125 as the C cast does', () => {
    const block = (amax: number): number => {
      const src = new Float32Array(32);
      src[5] = -amax;
      return quantizeRowsCpu('MXFP4', src, 32, null)[0]!;
    };
    expect(block(Math.fround(8 - 2 ** -21))).toBe(3 - 2 + 127);
    expect(block(1)).toBe(125);
    expect(block(2 ** -140)).toBe(241); // (uint8_t)(-15.f)
    expect(block(0)).toBe(0);
  });
});
