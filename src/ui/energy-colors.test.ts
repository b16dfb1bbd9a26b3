import { describe, expect, it } from 'vitest';
import { energyScale, formatEnergy } from './energy-colors.ts';
import { meanActivationEnergy } from '../workers/activation-energy.ts';

describe('activation energy colours', () => {
  it('places energies on a log scale between the smallest and largest', () => {
    const scale = energyScale([0.01, 0.1, 1, 10]);
    expect(scale.position(0.01)).toBe(0);
    expect(scale.position(10)).toBe(1);
    expect(scale.position(0.1)).toBeCloseTo(1 / 3, 12);
    expect(scale.position(undefined)).toBeNull();
    expect(scale.color(undefined)).toBeNull();
    expect(scale.color(0.01)!.fill).toBe('rgb(48, 18, 82)');
    expect(scale.color(10)!.fill).toBe('rgb(253, 231, 37)');
    // Dark ink on the bright end, light ink on the dark end.
    expect(scale.color(10)!.ink).toBe('#0b1020');
    expect(scale.color(0.01)!.ink).toBe('#f8fafc');
  });

  it('copes with one value and with none', () => {
    expect(energyScale([3]).position(3)).toBe(0.5);
    expect(energyScale([]).position(1)).toBe(0.5);
  });

  it('means the imatrix values of each entry and formats them across decades', () => {
    const means = meanActivationEnergy(new Map([['a', new Float32Array([1, 2, 3])], ['b', new Float32Array([0.5])]]));
    expect(means).toEqual({ a: 2, b: 0.5 });
    expect(formatEnergy(0.000321)).toBe('3.21e-4');
    expect(formatEnergy(0.0523)).toBe('0.0523');
    expect(formatEnergy(17.44)).toBe('17.4');
    expect(formatEnergy(0)).toBe('0');
  });
});
