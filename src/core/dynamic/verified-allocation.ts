// The allocation at a size, checked by measuring it whole. The allocator adds up per-tensor costs;
// where tensors interact (a tied embedding that is also the output head, several layers at 3 bits
// at once) the sum can mislead, and a larger budget can then give a worse file than a smaller one
// (measured on tiny-llama-10m: the recipe at Q3_K_L's size had 1.6x the KL of the one at Q3_K_M's).
// So the allocations at the sizes of llama.cpp's usual mixes below the target ("rungs") are
// measured too, each as one whole-model forward on the sensitivity's positions, and the target gets
// the best measured one that fits it. A file never measures worse than a smaller one of the ladder.
// With `refine`, a measured local search (refine-allocation.ts) then starts from that best.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ModelPlan, TensorTypes } from '../model/plan-types.ts';
import { planGgufLayout } from '../export/export-gguf.ts';
import { chooseMixTypes, MIXES } from '../recipe/llama-mixes.ts';
import type { MixName } from '../recipe/mix-names.ts';
import { allocateTypes, type Allocation } from './allocate.ts';
import { objectiveScore, refineAllocation, type AllocationObjective } from './refine-allocation.ts';
import type { RecipeKld, RecipeToMeasure } from './measure-recipes.ts';
import type { SensitivityTable } from './sensitivity-types.ts';

/** llama.cpp's mixes people download, smallest to largest: the sizes of the ladder. */
export const LADDER_MIXES: readonly MixName[] = [
  'IQ1_S', 'IQ1_M', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ2_M', 'Q2_K', 'Q3_K_S', 'Q3_K_M', 'Q3_K_L', 'IQ4_XS', 'Q4_K_S', 'Q4_K_M', 'Q5_K_S', 'Q5_K_M', 'Q6_K', 'Q8_0',
];

/** A ladder mix of this model: its types and file size. */
export interface LadderMix { mix: MixName; bytes: number; types: TensorTypes }

/** Each ladder mix, its types and its file size for this model (those that need an imatrix only with one). */
export function namedLadderRungs(plan: ModelPlan, hasImatrix: boolean, extraMetadata: readonly GgufKv[] = []): LadderMix[] {
  return LADDER_MIXES.flatMap((mix) => {
    try {
      const types = chooseMixTypes(plan, { mix, hasImatrix });
      return [{ mix, types, bytes: planGgufLayout(plan, types, MIXES[mix].ftype, extraMetadata).totalBytes }];
    } catch {
      return []; // a mix llama-quantize refuses without an imatrix
    }
  });
}

export interface VerifyOptions {
  plan: ModelPlan;
  table: SensitivityTable;
  allowed?: readonly GgmlTypeName[];
  locked?: ReadonlyMap<string, GgmlTypeName>;
  extraMetadata?: readonly GgufKv[];
  /** File sizes of the ladder (bytes): those at or below a target are tried for it. */
  rungs: readonly number[];
  /**
   * llama.cpp's mixes themselves (namedLadderRungs), measured beside the allocations: where the
   * per-tensor sum misleads, the mix of a size can measure better than any allocation, and a
   * recipe should then be that mix (with the user's locks) rather than a worse file of its size.
   * A mix wins only by measuring lower: keeping it unless an allocation measured lower by two
   * standard errors made three of tiny-qwen3's held-out Shakespeare files worse, not better
   * (Q2_K's size: 0.94x the Q2_K mix's mean KLD against the allocation's 0.74x; Q5_K_S: 1.00x
   * against 0.91x; Q5_K_M: 1.00x against 0.85x).
   */
  mixes?: readonly { mix: string; types: TensorTypes }[];
  /** Whole-recipe KL of each allocation (measureRecipeKlds on the sensitivity's sequences). */
  measure: (recipes: RecipeToMeasure[]) => Promise<RecipeKld[]>;
  /**
   * What "measures better" means: the mean KL (default), or 'tail', the 99th percentile of the
   * per-position KL, for a file whose worst answers matter more than its average one.
   */
  objective?: AllocationObjective;
  /**
   * Recipes to measure per target in a local search from its best (refineAllocation): 0 (default)
   * keeps the best of the allocations and mixes as measured.
   */
  refine?: number;
  /** Progress of the local search of one target. */
  onRefine?: (r: { target: number; measured: number; of: number; best: number }) => void;
}

export type { AllocationObjective };

export interface VerifiedAllocation {
  /** The budget asked for, bytes. */
  target: number;
  /** The budget whose allocation was chosen (the target's own, or a rung's). */
  chosenBudget: number;
  /** How many allocations were measured whole. */
  measuredCount: number;
  /** The mix whose own types were chosen (they measured best), or null for an allocation. */
  chosenMix: string | null;
  /** The chosen allocation: the target's own, or a smaller rung's that measured better. */
  allocation: Allocation;
  /** Its measure under the objective (mean KL, or the 99th percentile for 'tail'). */
  measuredKld: number;
  /** The target's own allocation and its measure. */
  own: { allocation: Allocation; measuredKld: number };
  /**
   * The local search, when asked for: what it measured, how many changes it kept (then `allocation`
   * is its result, and chosenMix / chosenBudget name where it started), from what measure.
   */
  refined?: { measuredCount: number; kept: number; startKld: number };
}

export async function verifiedAllocations(o: VerifyOptions, targets: readonly number[]): Promise<VerifiedAllocation[]> {
  const budgets = [...new Set([...targets, ...o.rungs.filter((r) => r <= Math.max(...targets))])].sort((a, b) => a - b);
  const allocations = new Map<number, Allocation>();
  for (const budget of budgets) {
    try {
      allocations.set(budget, allocateTypes({ plan: o.plan, table: o.table, target: { fileBytes: budget }, allowed: o.allowed, locked: o.locked, fileType: 0, extraMetadata: o.extraMetadata }));
    } catch (e) {
      // A rung below the smallest file these candidates make is simply not on the ladder; a target must be reachable.
      if (targets.includes(budget)) throw e;
    }
  }
  const entries = [...allocations.entries()];
  // Each mix as an allocation of its own types (every tensor fixed; the user's locks win): the
  // table prices each tensor, the layout gives the size. Only mixes that fit some target.
  const largest = Math.max(...targets);
  const mixAllocations = (o.mixes ?? []).flatMap((m) => {
    const types = new Map(m.types);
    for (const [name, type] of o.locked ?? []) types.set(name, type);
    const a = allocateTypes({ plan: o.plan, table: o.table, target: { fileBytes: Number.MAX_SAFE_INTEGER }, locked: types, fileType: 0, extraMetadata: o.extraMetadata });
    return a.fileBytes <= largest ? [{ mix: m.mix, allocation: a }] : [];
  });
  const measured = await o.measure([
    ...entries.map(([budget, a]) => ({ id: String(budget), types: a.types })),
    ...mixAllocations.map((m) => ({ id: `mix:${m.mix}`, types: m.allocation.types })),
  ]);
  const score = (m: RecipeKld) => objectiveScore(o.objective, m);
  const kldOf = new Map(measured.map((m) => [m.id, score(m)]));
  const measuredOf = new Map(measured.map((m) => [m.id, m]));
  const measuredCount = entries.length + mixAllocations.length;
  const chosen = targets.map((target) => {
    const own = allocations.get(target)!;
    const ownKld = kldOf.get(String(target))!;
    let best = { allocation: own, measuredKld: ownKld, chosenBudget: target, chosenMix: null as string | null };
    for (const [budget, a] of entries) {
      const kld = kldOf.get(String(budget))!;
      if (budget <= target && a.fileBytes <= target && kld < best.measuredKld) best = { allocation: a, measuredKld: kld, chosenBudget: budget, chosenMix: null };
    }
    for (const m of mixAllocations) {
      const kld = kldOf.get(`mix:${m.mix}`)!;
      if (m.allocation.fileBytes <= target && kld < best.measuredKld) best = { allocation: m.allocation, measuredKld: kld, chosenBudget: m.allocation.fileBytes, chosenMix: m.mix };
    }
    return { target, ...best, measuredCount, own: { allocation: own, measuredKld: ownKld } };
  });
  if (!o.refine) return chosen;
  const refined: VerifiedAllocation[] = [];
  for (const v of chosen) {
    const r = await refineAllocation({
      plan: o.plan, table: o.table, allowed: o.allowed, locked: o.locked, extraMetadata: o.extraMetadata, target: v.target,
      start: { allocation: v.allocation, measured: measuredOf.get(v.chosenMix ? `mix:${v.chosenMix}` : String(v.chosenBudget))! },
      measure: o.measure, objective: o.objective, measurements: o.refine,
      onRound: (p) => o.onRefine?.({ target: v.target, ...p }),
    });
    const changed = r.kept > 0;
    refined.push({
      ...v, measuredCount: v.measuredCount + r.measuredCount,
      // chosenMix and chosenBudget still name where the search started.
      ...(changed ? { allocation: r.allocation, measuredKld: r.measuredKld } : {}),
      refined: { measuredCount: r.measuredCount, kept: r.kept, startKld: v.measuredKld },
    });
  }
  return refined;
}

/** Where a verified recipe came from, in words, when it is not the target's own allocation (else null). */
export function verifiedOrigin(v: VerifiedAllocation): string | null {
  const start = v.chosenMix ? `${v.chosenMix} itself` : v.chosenBudget === v.target ? 'the allocation' : `the allocation for ${v.chosenBudget} bytes`;
  if (v.refined && v.refined.kept > 0) return `${start}, refined by measuring (${v.refined.kept} of ${v.refined.measuredCount} measured changes kept)`;
  return v.allocation === v.own.allocation ? null : start;
}

/** What the local search did at a size, in one line (null when none ran). */
export function refinedSummary(v: VerifiedAllocation): string | null {
  if (!v.refined) return null;
  const { measuredCount, kept, startKld } = v.refined;
  return `searched ${measuredCount} nearby recipes of at most ${v.target} bytes: ${kept} change${kept === 1 ? '' : 's'} kept, measured ${startKld.toExponential(3)} -> ${v.measuredKld.toExponential(3)}`;
}
