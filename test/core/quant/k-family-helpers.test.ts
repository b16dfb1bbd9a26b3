import { describe, expect, it } from 'vitest';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import { floorLog2f } from '../../../src/core/quant/mxfp4.ts';
import { nearestInt, nearestIntWide } from '../../../src/core/quant/nearest-int.ts';

/** The C bit trick itself, through a DataView: low 23 bits of float(f + 12582912) minus 2^22. */
function bitTrick(f: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f + 12582912);
  return (view.getUint32(0) & 0x7fffff) - 0x400000;
}

describe('helpers of the K-quant family', () => {
  it('nearestIntWide is the bit trick everywhere, and nearestInt inside ±4194303', () => {
    for (const f of [0.5, 2.5, -3.5, 4194303, -4194303, 4194302.5, 1e7, -5e6, 3e9, -1e20, 2 ** 60]) {
      const v = Math.fround(f);
      expect(nearestIntWide(v), String(f)).toBe(bitTrick(v));
      if (Math.abs(v) <= 4194303) expect(nearestIntWide(v)).toBe(nearestInt(v));
    }
    expect(nearestIntWide(1e7)).not.toBe(1e7); // what C's unasserted trick really returns
  });

  it('floorLog2f matches floorf(log2f(x)), including log2f rounding up just below 2^k for |k| >= 2', () => {
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
