import { describe, expect, it } from 'vitest';
import { gridNeighbour } from './grid-navigation.ts';

const grid = [
  ['a0', 'b0', 'c0'],
  ['a1', null, 'c1'],
  ['a2', 'b2', null],
];

describe('gridNeighbour', () => {
  it('moves along rows and columns, over empty places, and stops at the edges', () => {
    expect(gridNeighbour(grid, 'a1', 'ArrowRight')).toBe('c1');
    expect(gridNeighbour(grid, 'c1', 'ArrowLeft')).toBe('a1');
    expect(gridNeighbour(grid, 'b0', 'ArrowDown')).toBe('b2');
    expect(gridNeighbour(grid, 'c0', 'ArrowDown')).toBe('c1');
    expect(gridNeighbour(grid, 'c1', 'ArrowDown')).toBeNull();
    expect(gridNeighbour(grid, 'a0', 'ArrowUp')).toBeNull();
    expect(gridNeighbour(grid, 'b2', 'Home')).toBe('a2');
    expect(gridNeighbour(grid, 'a2', 'End')).toBe('b2');
    expect(gridNeighbour(grid, 'a0', 'Enter')).toBeNull();
  });
});
