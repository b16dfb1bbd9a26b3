// The measured local search on the synthetic model: where the whole-model KL has an interaction
// the per-tensor table cannot see, it finds a better recipe than the allocator's, within the size
// and the locks; where the table is right, it keeps the allocator's recipe and spends no more
// measurements than asked.
import { describe, expect, it } from 'vitest';
import { allocateTypes } from '../../src/core/dynamic/allocate.ts';
import { budgetRange } from '../../src/core/dynamic/budget-range.ts';
import type { RecipeKld, RecipeToMeasure } from '../../src/core/dynamic/measure-recipes.ts';
import { measuresBetter, refineAllocation } from '../../src/core/dynamic/refine-allocation.ts';
import { verifiedAllocations, verifiedOrigin } from '../../src/core/dynamic/verified-allocation.ts';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { BITS, bruteForceBestOf, fileSize, PLAN, predicted, TABLE } from './synthetic-allocation.ts';

const { min, max } = budgetRange(PLAN, TABLE, new Map(), null);
const target = allocateTypes({ plan: PLAN, table: TABLE, target: { bitsPerWeight: min + 0.45 * (max - min) }, fileType: 0 }).fileBytes;
const allocate = (locked?: Map<string, GgmlTypeName>) => allocateTypes({ plan: PLAN, table: TABLE, target: { fileBytes: target }, locked, fileType: 0 });

/**
 * The "true" whole-model KL: the table's sum, plus a penalty the table cannot see when the two
 * ffn_down tensors are both below 5 bits (errors that compound through the layers).
 */
const interacting = (types: ReadonlyMap<string, GgmlTypeName>) => {
  const low = ['blk.0.ffn_down.weight', 'blk.1.ffn_down.weight'].every((n) => BITS[types.get(n)!]! < 5);
  return predicted(types) + (low ? 0.3 : 0);
};

/** A measure that records what it was asked and checks that every recipe fits. */
function measuring(truth: (types: ReadonlyMap<string, GgmlTypeName>) => number) {
  const asked: RecipeToMeasure[] = [];
  const measure = async (recipes: RecipeToMeasure[]): Promise<RecipeKld[]> => {
    asked.push(...recipes);
    return recipes.map((r) => ({ id: r.id, kld: truth(r.types), sameTop: 1 }));
  };
  return { asked, measure };
}

describe('refineAllocation', () => {
  it('finds what the table cannot see: a recipe that measures better than the allocator\'s, within the size', async () => {
    const start = allocate();
    const startKld = interacting(start.types);
    // The premise: the allocator's recipe pays the interaction, and a better recipe exists.
    expect(startKld - predicted(start.types)).toBeCloseTo(0.3, 12);
    const optimum = bruteForceBestOf(interacting, target);
    expect(optimum).toBeLessThan(startKld);

    const { asked, measure } = measuring(interacting);
    const r = await refineAllocation({ plan: PLAN, table: TABLE, target, start: { allocation: start, measured: { id: 'start', kld: startKld, sameTop: 1 } }, measure, measurements: 40, batch: 4 });
    expect(r.kept).toBeGreaterThan(0);
    expect(r.measuredKld).toBeLessThan(startKld);
    expect(r.measuredKld).toBeCloseTo(interacting(r.allocation.types), 12);
    // It reaches the true optimum here (a few changes from the start).
    expect(r.measuredKld).toBeCloseTo(optimum, 12);
    expect(r.allocation.fileBytes).toBeLessThanOrEqual(target);
    expect(r.allocation.fileBytes).toBe(fileSize(new Map(r.allocation.types)));
    expect(asked.length).toBe(r.measuredCount);
    expect(asked.length).toBeLessThanOrEqual(40);
    for (const recipe of asked) expect(fileSize(new Map(recipe.types))).toBeLessThanOrEqual(target);
    // No recipe is measured twice, and the start is not measured again.
    const keys = asked.map((a) => [...a.types.values()].join());
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).not.toContain([...start.types.values()].join());
  });

  it('keeps the allocator\'s recipe where the table is right, and measures no more than asked', async () => {
    const start = allocate();
    const { asked, measure } = measuring(predicted);
    const r = await refineAllocation({ plan: PLAN, table: TABLE, target, start: { allocation: start, measured: { id: 'start', kld: predicted(start.types), sameTop: 1 } }, measure, measurements: 7, batch: 3 });
    // The allocator's recipe is the exact optimum of the table: nothing measures better.
    expect(r.kept).toBe(0);
    expect(r.allocation).toBe(start);
    expect(r.measuredCount).toBe(asked.length);
    expect(r.measuredCount).toBeGreaterThan(0);
    expect(r.measuredCount).toBeLessThanOrEqual(7);
    expect(asked.map((a) => Number(a.id) < 3)).toEqual(asked.map(() => true)); // batches of at most 3
  });

  it('stops at the number of measurements asked for, within a batch', async () => {
    const start = allocate();
    const { asked, measure } = measuring(interacting);
    const r = await refineAllocation({ plan: PLAN, table: TABLE, target, start: { allocation: start, measured: { id: 'start', kld: interacting(start.types), sameTop: 1 } }, measure, measurements: 2, batch: 8 });
    expect(asked.length).toBe(2);
    expect(r.measuredCount).toBe(2);
  });

  it('never changes a locked tensor', async () => {
    const lock = 'blk.1.ffn_down.weight';
    const locked = new Map<string, GgmlTypeName>([[lock, 'Q2_K']]);
    const start = allocate(locked);
    const { asked, measure } = measuring(interacting);
    const r = await refineAllocation({ plan: PLAN, table: TABLE, target, locked, start: { allocation: start, measured: { id: 'start', kld: interacting(start.types), sameTop: 1 } }, measure, measurements: 30 });
    expect(asked.length).toBeGreaterThan(0);
    for (const recipe of asked) expect(recipe.types.get(lock)).toBe('Q2_K');
    expect(r.allocation.types.get(lock)).toBe('Q2_K');
  });

  it('keeps no change that only noise made lower: every recipe is the same model, measured on 200 noisy positions', async () => {
    let seed = 7;
    const noise = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    // Every recipe has the same true KL; each measurement draws fresh per-position noise.
    const measure = async (recipes: RecipeToMeasure[]): Promise<RecipeKld[]> => recipes.map((r) => {
      const positions = Float64Array.from({ length: 200 }, () => 0.1 + 0.1 * (noise() - 0.5));
      return { id: r.id, kld: positions.reduce((a, b) => a + b, 0) / positions.length, sameTop: 1, positions };
    });
    const start = allocate();
    const [measured] = await measure([{ id: 'start', types: start.types }]);
    const strict = await refineAllocation({ plan: PLAN, table: TABLE, target, start: { allocation: start, measured: measured! }, measure, measurements: 24 });
    expect(strict.measuredCount).toBeGreaterThan(8);
    expect(strict.kept).toBe(0);
    // Without the confidence rule the same search "improves" on chance.
    const gullible = await refineAllocation({ plan: PLAN, table: TABLE, target, start: { allocation: start, measured: measured! }, measure, measurements: 24, confidence: 0 });
    expect(gullible.kept).toBeGreaterThan(0);
  });

  it('measuresBetter: a lower mean by more than two standard errors of the paired differences', () => {
    const positions = (f: (i: number) => number) => Float64Array.from({ length: 100 }, (_, i) => f(i));
    const current = { id: 'a', kld: 0.1, sameTop: 1, positions: positions((i) => 0.1 + (i % 2 ? 0.05 : -0.05)) };
    // Lower at every position by 0.01: far beyond the noise.
    const steady = { id: 'b', kld: 0.09, sameTop: 1, positions: positions((i) => 0.09 + (i % 2 ? 0.05 : -0.05)) };
    expect(measuresBetter(steady, current, 'mean', 2)).toBe(true);
    // The same mean, reached by a large gain at a few positions and losses elsewhere: not significant.
    const lucky = { id: 'c', kld: 0.09, sameTop: 1, positions: positions((i) => current.positions[i]! + (i < 5 ? -0.4 : 0.0105)) };
    expect(lucky.positions.reduce((a, b) => a + b, 0) / 100).toBeLessThan(0.1);
    expect(measuresBetter(lucky, current, 'mean', 2)).toBe(false);
    expect(measuresBetter(lucky, current, 'mean', 0)).toBe(true);
    // A higher mean is never better; the tail objective compares the 99th percentiles.
    expect(measuresBetter(current, steady, 'mean', 0)).toBe(false);
    expect(measuresBetter({ ...lucky, p99: 0.1 }, { ...current, p99: 0.2 }, 'tail', 2)).toBe(true);
  });

  it('runs in verifiedAllocations when asked, which then says the recipe was refined', async () => {
    const { measure } = measuring(interacting);
    const [plain] = await verifiedAllocations({ plan: PLAN, table: TABLE, rungs: [], measure }, [target]);
    expect(plain!.refined).toBeUndefined();
    expect(verifiedOrigin(plain!)).toBeNull();
    const [v] = await verifiedAllocations({ plan: PLAN, table: TABLE, rungs: [], measure, refine: 40 }, [target]);
    expect(v!.measuredKld).toBeLessThan(plain!.measuredKld);
    expect(v!.refined!.startKld).toBe(plain!.measuredKld);
    expect(v!.measuredCount).toBe(1 + v!.refined!.measuredCount);
    expect(verifiedOrigin(v!)).toMatch(/^the allocation, refined by measuring \(\d+ of \d+ measured changes kept\)$/);
  });
});
