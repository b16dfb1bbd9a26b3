import { describe, expect, it } from 'vitest';
import { contrastRatio, legibleFill } from './contrast.ts';
import { energyScale } from './energy-colors.ts';
import { TYPE_COLORS } from './type-colors.ts';

describe('text contrast on the heatmap', () => {
  it('WCAG\'s ratio: 21:1 for black on white, 1:1 for a colour on itself', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 6);
    expect(contrastRatio('rgb(59, 130, 246)', '#3b82f6')).toBe(1);
  });

  it('every type\'s ink reads on its fill at 4.5:1 or better', () => {
    const poor = Object.entries(TYPE_COLORS).filter(([, c]) => contrastRatio(c.fill, c.ink) < 4.5).map(([t]) => t);
    expect(poor).toEqual([]);
  });

  it('so does every shade of the measurement layers\' ramp, mid shades included', () => {
    const scale = energyScale([1e-3, 1e3]);
    let worst = Infinity;
    for (let i = 0; i <= 600; i++) {
      const c = scale.color(10 ** (-3 + i / 100))!;
      worst = Math.min(worst, contrastRatio(c.fill, c.ink));
    }
    expect(worst).toBeGreaterThanOrEqual(4.5);
    // A shade already legible is left as it is.
    expect(legibleFill('#0b1020').fill).toBe('#0b1020');
  });
});
