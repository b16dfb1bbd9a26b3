// The allocator on a synthetic model and sensitivity table: it fits the budget exactly as the
// GGUF layout counts it, finds the brute-force optimum, keeps locks, honours the allowed list,
// and says why when the budget is impossible.
import { describe, expect, it } from 'vitest';
import { allocateTypes } from '../../src/core/dynamic/allocate.ts';
import { budgetRange } from '../../src/core/dynamic/budget-range.ts';
import { frontierPoints } from '../../src/core/dynamic/frontier.ts';
import { namedLadderRungs, verifiedAllocations } from '../../src/core/dynamic/verified-allocation.ts';
import { tensorBytes, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import type { ModelPlan } from '../../src/core/model/plan-types.ts';
import type { SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { BITS, bruteForceBestOf, fileSize, PLAN, predicted, TABLE, tensor, TYPES } from './synthetic-allocation.ts';

const bruteForceBest = (budget: number) => bruteForceBestOf(predicted, budget);

describe('allocateTypes', () => {
  const uniform = (type: GgmlTypeName) => new Map(PLAN.tensors.map((t) => [t.ggufName, t.quantizable ? type : 'F32'] as const));
  it.each([0.15, 0.4, 0.7])('finds the optimum under a budget %s of the way from Q2_K to Q8_0', (f) => {
    const budget = Math.round(fileSize(uniform('Q2_K')) + f * (fileSize(uniform('Q8_0')) - fileSize(uniform('Q2_K'))));
    const a = allocateTypes({ plan: PLAN, table: TABLE, target: { fileBytes: budget }, fileType: 0 });
    expect(a.fileBytes).toBe(fileSize(a.types));
    expect(a.fileBytes).toBeLessThanOrEqual(budget);
    expect(a.predictedKld).toBeCloseTo(predicted(a.types), 12);
    expect(a.predictedKld).toBeLessThanOrEqual(bruteForceBest(budget) * 1.0001);
    expect(a.types.get('blk.0.attn_norm.weight')).toBe('F32');
  });

  it('keeps locks and the allowed list, and spends more bits where the gain is higher', () => {
    const budget = fileSize(uniform('Q4_K'));
    const a = allocateTypes({
      plan: PLAN, table: TABLE, target: { fileBytes: budget }, fileType: 0,
      locked: new Map([['blk.1.attn_v.weight', 'Q5_0']]), allowed: ['Q2_K', 'Q4_K', 'Q6_K'],
    });
    expect(a.types.get('blk.1.attn_v.weight')).toBe('Q5_0');
    expect(a.choices.get('blk.1.attn_v.weight')?.locked).toBe(true);
    for (const [name, type] of a.types) if (name !== 'blk.1.attn_v.weight' && name !== 'blk.0.attn_norm.weight') expect(['Q2_K', 'Q4_K', 'Q6_K']).toContain(type);
    expect(BITS[a.types.get('blk.0.attn_v.weight')!]!).toBeGreaterThanOrEqual(BITS[a.types.get('blk.0.ffn_down.weight')!]!);
  });

  it('targets bits per weight as llama.cpp counts them', () => {
    const a = allocateTypes({ plan: PLAN, table: TABLE, target: { bitsPerWeight: 5 }, fileType: 0 });
    expect(a.bitsPerWeight).toBeLessThanOrEqual(5);
    expect(a.bitsPerWeight).toBeGreaterThan(4.5);
  });

  it('says what the smallest possible file is when the budget is below it', () => {
    expect(() => allocateTypes({ plan: PLAN, table: TABLE, target: { fileBytes: 1000 }, fileType: 0 })).toThrow(/below the smallest possible file .*\d+ bytes/);
  });
});

describe('budgetRange and frontierPoints', () => {
  const elements = PLAN.tensors.reduce((s, t) => s + t.ne.reduce((a, b) => a * b, 1), 0);
  const bpwOf = (types: Map<string, GgmlTypeName>) => (PLAN.tensors.reduce((s, t) => s + tensorBytes(types.get(t.ggufName)!, t.ne), 0) * 8) / elements;
  const uniform = (type: GgmlTypeName) => new Map(PLAN.tensors.map((t) => [t.ggufName, t.quantizable ? type : 'F32'] as const));

  it('spans the smallest to the largest allowed allocation, locks included', () => {
    const r = budgetRange(PLAN, TABLE, new Map(), ['Q2_K', 'Q4_K', 'Q6_K', 'Q8_0']);
    expect(r.min).toBeCloseTo(bpwOf(uniform('Q2_K')), 12);
    expect(r.max).toBeCloseTo(bpwOf(uniform('Q8_0')), 12);
    const locked = uniform('Q2_K').set('token_embd.weight', 'Q8_0');
    expect(budgetRange(PLAN, TABLE, new Map([['token_embd.weight', 'Q8_0']]), ['Q2_K', 'Q4_K']).min).toBeCloseTo(bpwOf(locked), 12);
    // Every allocation inside the range succeeds; the interactive effort meets the same budget.
    const a = allocateTypes({ plan: PLAN, table: TABLE, target: { bitsPerWeight: r.min }, fileType: 0, effort: 'interactive' });
    expect(a.bitsPerWeight).toBeCloseTo(r.min, 12);
  });

  it('draws a frontier whose KL falls as the file grows, each point the allocator’s optimum there', () => {
    const points = frontierPoints({ plan: PLAN, table: TABLE, locked: new Map(), allowed: null, points: 12 });
    expect(points.length).toBeGreaterThan(4);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.fileBytes).toBeGreaterThan(points[i - 1]!.fileBytes);
      expect(points[i]!.predictedKld).toBeLessThanOrEqual(points[i - 1]!.predictedKld);
    }
    for (const p of points) expect(p.predictedKld).toBeLessThanOrEqual(bruteForceBest(p.fileBytes) * 1.0001);
  });
});

describe('the budget slider’s ends', () => {
  it('allocating at budgetRange’s smallest and largest bits per weight succeeds, whatever the float rounding of bpw × elements', () => {
    let seed = 7;
    const next = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
    const failures: string[] = [];
    let lossy = 0;
    for (let trial = 0; trial < 200; trial++) {
      const blocks = Array.from({ length: 3 + next(4) }, (_, i) => tensor(`blk.${i}.ffn_down.weight`, 'ffn_down', i, [256 * (1 + next(16)), 1 + next(200_000)]));
      // A norm kept in F32 makes the smallest file's bits per weight a fraction that floats round.
      const tensors = [...blocks, tensor('output_norm.weight', 'output_norm', null, [1 + next(5000)], false)];
      const plan: ModelPlan = { ...PLAN, layerCount: blocks.length, tensors };
      const elements = tensors.reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1), 0);
      const table: SensitivityTable = {
        ...TABLE,
        tensors: blocks.map((t) => ({
          name: t.ggufName, role: t.role, layer: t.layer, ne: t.ne,
          candidates: TYPES.map((type) => ({ type, bytes: tensorBytes(type, t.ne) as number, weightedError: 1, kld: 2 ** -BITS[type]!, basis: 'fitted' as const })),
        })),
      };
      const range = budgetRange(plan, table, new Map(), null);
      const smallest = blocks.reduce((n, t) => n + (tensorBytes('Q2_K', t.ne) as number), 4 * tensors.at(-1)!.ne[0]!);
      if ((range.min * elements) / 8 < smallest) lossy++;
      for (const bpw of [range.min, range.max]) {
        try {
          allocateTypes({ plan, table, target: { bitsPerWeight: bpw }, fileType: 0, effort: 'interactive' });
        } catch (e) {
          failures.push(`trial ${trial}, ${bpw} bpw: ${(e as Error).message}`);
        }
      }
    }
    expect(lossy, 'trials whose smallest bpw × elements rounds below the smallest file').toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});

describe('verifiedAllocations', () => {
  const { min, max } = budgetRange(PLAN, TABLE, new Map(), null);
  const bytesAt = (bpw: number) => allocateTypes({ plan: PLAN, table: TABLE, target: { bitsPerWeight: bpw }, fileType: 0 }).fileBytes;
  const low = bytesAt(min + 0.3 * (max - min));
  const high = bytesAt(min + 0.7 * (max - min));

  it('keeps the target\'s own allocation when it measures best, and measures every rung once', async () => {
    const measured: string[] = [];
    const [v] = await verifiedAllocations({
      plan: PLAN, table: TABLE, rungs: [low, high * 2],
      // Whole-model KL as predicted: more bytes, less KL.
      measure: async (recipes) => { measured.push(...recipes.map((r) => r.id)); return recipes.map((r) => ({ id: r.id, kld: predicted(r.types), sameTop: 1 })); },
    }, [high]);
    expect(measured.sort()).toEqual([String(low), String(high)].sort()); // the rung above the target is not tried
    expect(v!.allocation).toBe(v!.own.allocation);
    expect(v!.allocation.fileBytes).toBeLessThanOrEqual(high);
  });

  it('takes a smaller rung\'s allocation when that one measures better whole', async () => {
    const [v] = await verifiedAllocations({
      plan: PLAN, table: TABLE, rungs: [low],
      // The sum misleads: the larger allocation measures worse.
      measure: async (recipes) => recipes.map((r) => ({ id: r.id, kld: Number(r.id) === high ? 1 : 0.5, sameTop: 1 })),
    }, [high]);
    expect(v!.allocation).not.toBe(v!.own.allocation);
    expect(v!.allocation.fileBytes).toBeLessThanOrEqual(low);
    expect(v!.measuredKld).toBe(0.5);
    expect(v!.own.measuredKld).toBe(1);
  });

  it('ranks by the 99th-percentile KL under the tail-aware objective', async () => {
    // The target's own allocation has the lower mean but the heavier tail.
    const measure = async (recipes: { id: string; types: Map<string, GgmlTypeName> }[]) => recipes.map((r) => (Number(r.id) === high ? { id: r.id, kld: 0.4, sameTop: 1, p99: 9 } : { id: r.id, kld: 0.5, sameTop: 1, p99: 3 }));
    const [mean] = await verifiedAllocations({ plan: PLAN, table: TABLE, rungs: [low], measure }, [high]);
    expect(mean!.allocation).toBe(mean!.own.allocation);
    const [tail] = await verifiedAllocations({ plan: PLAN, table: TABLE, rungs: [low], measure, objective: 'tail' }, [high]);
    expect(tail!.allocation.fileBytes).toBeLessThanOrEqual(low);
    expect(tail!.measuredKld).toBe(3);
  });

  it('takes a llama.cpp mix itself, with the user\'s locks, when it fits and measures better than every allocation', async () => {
    const ladder = namedLadderRungs(PLAN, false);
    // A mix well under the target: the lock (Q8_0) makes it larger, still fitting.
    const mix = ladder.filter((r) => r.bytes <= 0.8 * high).at(-1)!;
    const lock = PLAN.tensors.find((t) => t.quantizable)!.ggufName;
    const measured: string[] = [];
    const [v] = await verifiedAllocations({
      plan: PLAN, table: TABLE, rungs: [], mixes: ladder, locked: new Map([[lock, 'Q8_0']]),
      // Only that mix (locks applied) measures well.
      measure: async (recipes) => {
        measured.push(...recipes.map((r) => r.id));
        return recipes.map((r) => ({ id: r.id, kld: r.id === `mix:${mix.mix}` ? 0.1 : 1, sameTop: 1 }));
      },
    }, [high]);
    expect(v!.chosenMix).toBe(mix.mix);
    expect(v!.allocation.types.get(lock)).toBe('Q8_0');
    for (const t of PLAN.tensors) if (t.ggufName !== lock) expect(v!.allocation.types.get(t.ggufName)).toBe(mix.types.get(t.ggufName));
    expect(v!.allocation.fileBytes).toBeLessThanOrEqual(high);
    // A mix larger than every target is not measured.
    const tooLarge = ladder.find((r) => r.bytes > 1.2 * high)!;
    expect(measured).not.toContain(`mix:${tooLarge.mix}`);
    expect(measured).toContain(`mix:${mix.mix}`);
  });

  it('refuses a target below the smallest file, and skips such rungs', async () => {
    const measure = async (recipes: { id: string; types: Map<string, GgmlTypeName> }[]) => recipes.map((r) => ({ id: r.id, kld: predicted(r.types), sameTop: 1 }));
    await expect(verifiedAllocations({ plan: PLAN, table: TABLE, rungs: [], measure }, [100])).rejects.toThrow(/below the smallest possible file/);
    const [v] = await verifiedAllocations({ plan: PLAN, table: TABLE, rungs: [100], measure }, [high]);
    expect(v!.allocation).toBe(v!.own.allocation);
  });
});
