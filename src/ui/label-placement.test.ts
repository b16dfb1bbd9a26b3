import { describe, expect, it } from 'vitest';
import { placeLabels, type LabelRequest } from './label-placement.ts';

const plot = { left: 0, top: 0, right: 400, bottom: 200 };
const label = (x: number, y: number, width = 40): LabelRequest => ({ x, y, width, height: 12 });

function overlapping(requests: LabelRequest[]): boolean {
  const placed = placeLabels(requests, plot);
  return placed.some((a, i) => placed.some((b, j) => i < j
    && Math.abs(a.x - b.x) < (requests[i]!.width + requests[j]!.width) / 2
    && Math.abs(a.y - b.y) < 12));
}

describe('placeLabels', () => {
  it('puts a lone label just above its point', () => {
    const [p] = placeLabels([label(100, 100)], plot);
    expect(p).toEqual({ x: 100, y: 100 - 3 - 6, moved: false });
  });

  it('pushes labels of nearby points apart vertically', () => {
    const requests = [label(100, 100), label(105, 101), label(110, 99), label(300, 100)];
    expect(overlapping(requests)).toBe(false);
    const placed = placeLabels(requests, plot);
    expect(placed.filter((p) => p.moved)).toHaveLength(2);
    expect(placed[3]!.moved).toBe(false);
  });

  it('goes below a point near the top, and stays inside the plot', () => {
    const requests = [label(200, 10), label(202, 12), label(398, 100, 60)];
    const placed = placeLabels(requests, plot);
    expect(overlapping(requests)).toBe(false);
    for (const [i, p] of placed.entries()) {
      expect(p.y - 6).toBeGreaterThanOrEqual(0);
      expect(p.x + requests[i]!.width / 2).toBeLessThanOrEqual(400);
    }
  });

  it('a crowd of twelve labels on one spot does not overlap', () => {
    expect(overlapping(Array.from({ length: 12 }, (_, i) => label(150 + i, 150)))).toBe(false);
  });
});
