import { describe, expect, it } from 'vitest';
import { rovingStep } from './roving-keys.ts';

describe('rovingStep', () => {
  const all = [true, true, true];
  it('steps with the arrows, wrapping, and jumps with Home and End', () => {
    expect(rovingStep('ArrowRight', 0, all)).toBe(1);
    expect(rovingStep('ArrowRight', 2, all)).toBe(0);
    expect(rovingStep('ArrowLeft', 0, all)).toBe(2);
    expect(rovingStep('ArrowDown', 1, all)).toBe(2);
    expect(rovingStep('Home', 2, all)).toBe(0);
    expect(rovingStep('End', 0, all)).toBe(2);
  });
  it('steps over choices that cannot be chosen, and leaves other keys alone', () => {
    const some = [true, false, false, true, false];
    expect(rovingStep('ArrowRight', 0, some)).toBe(3);
    expect(rovingStep('ArrowRight', 3, some)).toBe(0);
    expect(rovingStep('End', 0, some)).toBe(3);
    expect(rovingStep('Enter', 0, some)).toBeNull();
    expect(rovingStep('ArrowRight', 0, [false])).toBeNull();
  });
});
