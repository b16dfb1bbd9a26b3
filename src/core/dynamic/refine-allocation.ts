// A recipe improved by measuring, not by adding up. The allocator's sum of per-tensor costs is
// optimistic where tensors interact (on tiny-qwen3 its allocations measured 0.1–0.25 of the mix's KL
// worse than predicted, and at three sizes worse than the mix itself), and no re-weighting of the
// table sees that. So from the best file measured whole (an allocation, or a mix), a local search:
// each round proposes small changes that keep the size (one tensor a step up on its Pareto front,
// another a step down to pay for it, or an upgrade that fits as is), ranked by what the table
// predicts, measures a batch of them whole, and keeps the best if it measured better. Changes that
// also measured better are tried again first on the new recipe, since they often add up. The
// result never measures worse than the start on the calibration positions.
import { tensorBytes, type GgmlTypeName } from '../ggml-type.ts';
import { alignUp } from '../gguf/gguf-header.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import { planGgufLayout } from '../export/export-gguf.ts';
import type { ModelPlan, TensorTypes } from '../model/plan-types.ts';
import { allocateTypes, paretoFront, type Allocation } from './allocate.ts';
import { typesForRows } from './candidate-types.ts';
import type { RecipeKld, RecipeToMeasure } from './measure-recipes.ts';
import { tensorCost } from './predict.ts';
import type { SensitivityTable } from './sensitivity-types.ts';

export interface RefineOptions {
  plan: ModelPlan;
  table: SensitivityTable;
  allowed?: readonly GgmlTypeName[];
  /** The user's fixed choices: never changed. */
  locked?: ReadonlyMap<string, GgmlTypeName>;
  extraMetadata?: readonly GgufKv[];
  /** The file size not to exceed, bytes. */
  target: number;
  /** Where the search starts: a recipe that fits, and its measurement. */
  start: { allocation: Allocation; measured: RecipeKld };
  /** Whole-recipe KL of each recipe (measureRecipeKlds on the sensitivity's sequences). */
  measure: (recipes: RecipeToMeasure[]) => Promise<RecipeKld[]>;
  /** What "measures better" means: the mean KL, or 'tail', its 99th percentile over the positions. */
  objective?: AllocationObjective;
  /**
   * Under the mean objective, how many standard errors of the per-position differences a change
   * must gain by (default 2); 0 keeps any lower mean.
   */
  confidence?: number;
  /** How many recipes to measure in all. */
  measurements: number;
  /** How many are measured together (one call of `measure`, which the workers share). */
  batch?: number;
  signal?: AbortSignal;
  onRound?: (r: { measured: number; of: number; best: number }) => void;
}

export type AllocationObjective = 'mean' | 'tail';

/** A measured recipe's figure under the objective (lower is better). */
export function objectiveScore(objective: AllocationObjective | undefined, m: RecipeKld): number {
  if (objective !== 'tail') return m.kld;
  if (m.p99 === undefined) throw new Error('the tail-aware objective needs the per-position KL (p99) of each recipe');
  return m.p99;
}

/**
 * Whether `candidate` measured better than `current`: a lower score, and under the mean objective,
 * lower by more than `z` standard errors of the per-position differences where both have them.
 */
export function measuresBetter(candidate: RecipeKld, current: RecipeKld, objective: AllocationObjective | undefined, z: number): boolean {
  if (!(objectiveScore(objective, candidate) < objectiveScore(objective, current))) return false;
  const [a, b] = [current.positions, candidate.positions];
  if (objective === 'tail' || z <= 0 || !a || !b || a.length !== b.length || a.length < 2) return true;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d;
    sumSq += d * d;
  }
  const n = a.length;
  const mean = sum / n;
  const variance = Math.max(0, (sumSq - n * mean * mean) / (n - 1));
  return mean > z * Math.sqrt(variance / n);
}

export interface RefinedAllocation {
  allocation: Allocation;
  measured: RecipeKld;
  /** Its figure under the objective. */
  measuredKld: number;
  /** Recipes measured by the search. */
  measuredCount: number;
  /** Changes kept (0: the start was the best found). */
  kept: number;
}

/** A change of one or two tensors' types. */
type Change = ReadonlyMap<string, GgmlTypeName>;

interface Option { type: GgmlTypeName; size: number; kld: number }

/** The allowed candidates of each free tensor, smallest first, larger only where they cost less KL. */
function frontsOf(o: RefineOptions, alignment: number): Map<string, Option[]> {
  const fronts = new Map<string, Option[]>();
  const byName = new Map(o.table.tensors.map((t) => [t.name, t]));
  for (const t of o.plan.tensors) {
    const s = byName.get(t.ggufName);
    if (!t.quantizable || !s || o.locked?.has(t.ggufName)) continue;
    const allowedHere = o.allowed ? new Set(typesForRows(o.allowed, t.ne[0]!)) : null;
    const options = s.candidates
      .filter((c) => !allowedHere || allowedHere.has(c.type))
      .map((c) => ({ type: c.type, size: alignUp(tensorBytes(c.type, t.ne) as number, alignment), kld: c.kld }));
    const front = paretoFront(options);
    if (front.length > 1) fronts.set(t.ggufName, front);
  }
  return fronts;
}

const keyOf = (types: TensorTypes) => [...types.values()].join(',');

export async function refineAllocation(o: RefineOptions): Promise<RefinedAllocation> {
  const batch = Math.max(1, o.batch ?? 8);
  const alignment = planGgufLayout(o.plan, o.start.allocation.types, 0, o.extraMetadata).alignment;
  const fronts = frontsOf(o, alignment);
  const byName = new Map(o.table.tensors.map((t) => [t.name, t]));
  const ne = new Map(o.plan.tensors.map((t) => [t.ggufName, t.ne]));
  const bytesOf = (name: string, type: GgmlTypeName) => alignUp(tensorBytes(type, ne.get(name)!) as number, alignment);
  const costOf = (name: string, type: GgmlTypeName) => tensorCost(byName.get(name), type);
  // Every tensor fixed: the allocator then only prices the recipe and lays out its file.
  const asAllocation = (types: TensorTypes) => allocateTypes({
    plan: o.plan, table: o.table, target: { fileBytes: Number.MAX_SAFE_INTEGER }, locked: types, fileType: 0, extraMetadata: o.extraMetadata,
  });

  const z = o.confidence ?? 2;
  let current = { allocation: o.start.allocation, measured: o.start.measured };
  const seen = new Set([keyOf(current.allocation.types)]);
  let promising: Change[] = [];
  let measuredCount = 0;
  let kept = 0;

  /** The neighbours of a tensor's current type on its front: a step down and a step up. */
  const stepsOf = (name: string, type: GgmlTypeName) => {
    const front = fronts.get(name)!;
    const size = bytesOf(name, type);
    const down = [...front].reverse().find((x) => x.size < size && x.type !== type) ?? null;
    const up = front.find((x) => x.size > size && x.type !== type) ?? null;
    return { down, up };
  };

  /**
   * Size-keeping changes of the current recipe, the best predicted first: a tensor a step up, paid
   * for by another a step down, and where that is not enough, by the further steps down that cost
   * the least KL per byte freed (a large tensor's upgrade can take several small ones). Each pair
   * (the tensor up, the first one down) leads at most one change of a batch.
   */
  const proposals = (): Change[] => {
    const types = current.allocation.types;
    const room = o.target - current.allocation.fileBytes;
    const steps = [...fronts.keys()].map((name) => {
      const type = types.get(name)!;
      const { down, up } = stepsOf(name, type);
      const bytes = bytesOf(name, type);
      const cost = costOf(name, type);
      return {
        name, type,
        up: up && { type: up.type, extra: up.size - bytes, gain: cost - up.kld },
        down: down && { type: down.type, freed: bytes - down.size, loss: down.kld - cost },
      };
    });
    // Steps down, cheapest KL per byte freed first: what pays for an upgrade.
    const payers = steps.filter((x) => x.down && x.down.freed > 0).sort((x, y) => x.down!.loss / x.down!.freed - y.down!.loss / y.down!.freed);
    const moves: { change: Change; gain: number; leads: string[] }[] = [];
    for (const a of steps) {
      if (!a.up) continue;
      if (a.up.extra <= room) moves.push({ change: new Map([[a.name, a.up.type]]), gain: a.up.gain, leads: [a.name] });
      for (const b of payers) {
        if (b === a) continue;
        const change = new Map([[a.name, a.up.type], [b.name, b.down!.type]]);
        let over = a.up.extra - b.down!.freed - room;
        let gain = a.up.gain - b.down!.loss;
        for (const c of payers) {
          if (over <= 0) break;
          if (c === a || c === b) continue;
          change.set(c.name, c.down!.type);
          over -= c.down!.freed;
          gain -= c.down!.loss;
        }
        if (over <= 0) moves.push({ change, gain, leads: [a.name, b.name] });
      }
    }
    moves.sort((x, y) => y.gain - x.gain);
    const picked: Change[] = [];
    const led = new Set<string>();
    const take = (change: Change, leads: readonly string[]) => {
      const next = new Map(types);
      for (const [n, t] of change) next.set(n, t);
      const key = keyOf(next);
      if (seen.has(key) || leads.some((n) => led.has(n))) return;
      seen.add(key);
      picked.push(change);
      for (const n of leads) led.add(n);
    };
    for (const change of promising) if (picked.length < batch) take(change, []);
    for (const m of moves) {
      if (picked.length >= batch) break;
      take(m.change, m.leads);
    }
    return picked;
  };

  while (measuredCount < o.measurements) {
    o.signal?.throwIfAborted();
    const changes = proposals().slice(0, o.measurements - measuredCount);
    if (changes.length === 0) break;
    const recipes = changes.flatMap((change, i) => {
      const types = new Map(current.allocation.types);
      for (const [n, t] of change) types.set(n, t);
      const allocation = asAllocation(types);
      return allocation.fileBytes <= o.target ? [{ id: String(i), change, allocation }] : [];
    });
    if (recipes.length === 0) break;
    const results = await o.measure(recipes.map((r) => ({ id: r.id, types: r.allocation.types })));
    measuredCount += recipes.length;
    const better = recipes
      .map((r) => ({ ...r, measured: results.find((m) => m.id === r.id)! }))
      .filter((r) => measuresBetter(r.measured, current.measured, o.objective, z))
      .sort((a, b) => objectiveScore(o.objective, a.measured) - objectiveScore(o.objective, b.measured));
    if (better.length > 0) {
      current = { allocation: better[0]!.allocation, measured: better[0]!.measured };
      kept++;
      // The other changes that helped, tried first on the new recipe (where they still apply).
      promising = better.slice(1).map((r) => r.change).filter((c) => [...c.keys()].every((n) => !better[0]!.change.has(n)));
    } else {
      promising = [];
    }
    o.onRound?.({ measured: measuredCount, of: o.measurements, best: objectiveScore(o.objective, current.measured) });
  }
  return { ...current, measuredKld: objectiveScore(o.objective, current.measured), measuredCount, kept };
}
