// Chooses every tensor's type to minimise the predicted KL (per-tensor costs added up) under a
// size budget: a Lagrangian sweep (each tensor takes the type minimising kld + λ·bytes; λ found
// by bisection so the file just fits), then a greedy fix-up that spends what is left on the
// upgrades with the best KL saved per byte, pairwise exchanges, and the exact Pareto-front
// knapsack (pareto-knapsack.ts), keeping whichever predicts less. Sizes are the real GGUF layout: the header is fixed
// by the tensor list and metadata, each tensor's data is padded to the alignment.
import { planGgufLayout } from '../export/export-gguf.ts';
import { rowFitsBlocks, tensorBytes, type GgmlTypeName } from '../ggml-type.ts';
import { alignUp } from '../gguf/gguf-header.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../model/plan-types.ts';
import { fallbackForRowLength } from '../recipe/choose-types.ts';
import { typesForRows } from './candidate-types.ts';
import { tensorCost } from './predict.ts';
import { paretoKnapsack } from './pareto-knapsack.ts';
import type { SensitivityTable } from './sensitivity-types.ts';
import { fixedTypeOf } from '../model/fixed-type.ts';

export type AllocationTarget = { fileBytes: number } | { bitsPerWeight: number };

export interface AllocateOptions {
  plan: ModelPlan;
  table: SensitivityTable;
  target: AllocationTarget;
  /** The user's fixed choices; they are kept (after llama.cpp's row-length fallback). */
  locked?: ReadonlyMap<string, GgmlTypeName>;
  /** Only these types (default: every candidate of the table). */
  allowed?: readonly GgmlTypeName[];
  /** What the export writes in the header (general.file_type, imatrix keys): they decide its size. */
  fileType?: number;
  extraMetadata?: readonly GgufKv[];
  /**
   * 'exact' (default) adds the pairwise exchanges and the Pareto knapsack to the Lagrangian and
   * greedy passes; 'interactive' (a slider that re-allocates on every move) keeps them to models
   * of a few dozen tensors, where they take milliseconds, and relies on the first two elsewhere.
   */
  effort?: 'exact' | 'interactive';
}

/** Above this many free tensors, 'interactive' skips the quadratic and knapsack passes. */
const INTERACTIVE_EXACT_SLOTS = 48;

export interface TensorChoice { type: GgmlTypeName; kld: number; locked: boolean }

export interface Allocation {
  types: TensorTypes;
  choices: Map<string, TensorChoice>;
  fileBytes: number;
  /** Tensor data bits per weight over all tensors (llama.cpp's BPW). */
  bitsPerWeight: number;
  predictedKld: number;
}

interface Option { type: GgmlTypeName; size: number; kld: number }
interface Slot { name: string; options: Option[]; choice: number }

const elementsOf = (t: PlannedTensor) => t.ne.reduce((a, b) => a * b, 1);

/** The Pareto front: larger types only where they cost less KL. */
export function paretoFront<T extends { size: number; kld: number }>(options: readonly T[]): T[] {
  const sorted = [...options].sort((a, b) => a.size - b.size || a.kld - b.kld);
  const front: T[] = [];
  for (const o of sorted) if (front.length === 0 || o.kld < front[front.length - 1]!.kld) front.push(o);
  return front;
}

/**
 * Large tensors make the budget lumpy, where the sweep and the greedy can stop short: pairs of
 * changes (one tensor up, another down, or both) that lower the total KL and still fit.
 */
function improveByExchanges(slots: Slot[], used: number, budget: number, maxRounds = 200): number {
  for (let round = 0; round < maxRounds; round++) {
    let best: { a: Slot; x: number; b: Slot; y: number; gain: number; extra: number } | null = null;
    for (const a of slots) {
      const ca = a.options[a.choice]!;
      for (let x = 0; x < a.options.length; x++) {
        if (x === a.choice) continue;
        const da = a.options[x]!.size - ca.size;
        const ga = ca.kld - a.options[x]!.kld;
        for (const b of slots) {
          if (b === a) continue;
          const cb = b.options[b.choice]!;
          for (let y = 0; y < b.options.length; y++) {
            const db = y === b.choice ? 0 : b.options[y]!.size - cb.size;
            const gain = ga + (y === b.choice ? 0 : cb.kld - b.options[y]!.kld);
            if (used + da + db > budget || gain <= 1e-15 * Math.max(1, ca.kld)) continue;
            if (!best || gain > best.gain) best = { a, x, b, y, gain, extra: da + db };
          }
        }
      }
    }
    if (!best) break;
    best.a.choice = best.x;
    best.b.choice = best.y;
    used += best.extra;
  }
  return used;
}

/**
 * The header's size and the alignment: they depend on the tensor list and the metadata, not on
 * the types (a tensor's type is a fixed-size field), so a slider that re-allocates on every move
 * encodes the header (the whole vocabulary) once per plan and metadata, not twice per move.
 */
const headerCache = new WeakMap<ModelPlan, Map<string, { headerBytes: number; alignment: number }>>();

function headerLayout(plan: ModelPlan, types: TensorTypes, fileType: number | undefined, extraMetadata: readonly GgufKv[] | undefined) {
  const key = JSON.stringify([fileType ?? null, extraMetadata ?? []], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  let perPlan = headerCache.get(plan);
  if (!perPlan) headerCache.set(plan, (perPlan = new Map()));
  let cached = perPlan.get(key);
  if (!cached) {
    const layout = planGgufLayout(plan, types, fileType, extraMetadata);
    cached = { headerBytes: layout.header.length, alignment: layout.alignment };
    perPlan.set(key, cached);
  }
  return cached;
}

export function allocateTypes(o: AllocateOptions): Allocation {
  const { plan, table } = o;
  const sens = new Map(table.tensors.map((t) => [t.name, t]));
  const startTypes: TensorTypes = new Map();
  const fixed = new Map<string, TensorChoice>();
  const slots: Slot[] = [];
  const byFile = 'fileBytes' in o.target;

  for (const t of plan.tensors) {
    const s = sens.get(t.ggufName);
    const lock = o.locked?.get(t.ggufName);
    if (!t.quantizable) {
      const type = fixedTypeOf(t);
      if (lock && lock !== type) throw new Error(`lock ${t.ggufName}=${lock}: this tensor is never quantized (it stays ${type})`);
      fixed.set(t.ggufName, { type, kld: 0, locked: false });
    } else if (lock) {
      const type = fallbackForRowLength(lock, t.ne[0]!);
      fixed.set(t.ggufName, { type, kld: tensorCost(s, type), locked: true });
    } else {
      // An allowed type also allows its fallback where its blocks do not fit the rows (as the candidates).
      const allowedHere = o.allowed ? new Set(typesForRows(o.allowed, t.ne[0]!)) : null;
      const options = (s?.candidates ?? [])
        .filter((c) => !allowedHere || allowedHere.has(c.type))
        .map((c) => ({ type: c.type, size: tensorBytes(c.type, t.ne) as number, kld: c.kld }));
      if (options.length === 0 && !s) {
        // Rows no candidate fits (not a multiple of 32): llama.cpp's fallback, nothing to choose.
        const type = fallbackForRowLength(o.allowed?.[0] ?? 'Q8_0', t.ne[0]!);
        fixed.set(t.ggufName, { type, kld: 0, locked: false });
        startTypes.set(t.ggufName, type);
        continue;
      }
      if (options.length === 0) {
        const allowedTypes = [...(allowedHere ?? [])].filter((x) => rowFitsBlocks(x, t.ne[0]!));
        throw new Error(`tensor "${t.ggufName}" (row length ${t.ne[0]}): no measured candidate is allowed${allowedTypes.length ? '' : ' or fits its rows'}; allow more types or lock it`);
      }
      slots.push({ name: t.ggufName, options: paretoFront(options), choice: 0 });
    }
    startTypes.set(t.ggufName, fixed.get(t.ggufName)?.type ?? slots[slots.length - 1]!.options[0]!.type);
  }

  const layout = headerLayout(plan, startTypes, o.fileType, o.extraMetadata);
  const align = layout.alignment;
  const accounted = (bytes: number) => (byFile ? alignUp(bytes, align) : bytes);
  for (const s of slots) for (const opt of s.options) opt.size = accounted(opt.size);
  const fixedSize = plan.tensors.reduce((sum, t) => (fixed.has(t.ggufName) ? sum + accounted(tensorBytes(fixed.get(t.ggufName)!.type, t.ne) as number) : sum), 0)
    + (byFile ? layout.headerBytes : 0);
  const elements = plan.tensors.reduce((s, t) => s + elementsOf(t), 0);
  // A bits-per-weight target converts to bytes through a float product: 1e-12 of slack keeps the
  // slider's ends (budgetRange, the same sums divided back) from landing a byte below them.
  const budget = 'fileBytes' in o.target ? o.target.fileBytes : Math.floor(((o.target.bitsPerWeight * elements) / 8) * (1 + 1e-12));

  const sizeOf = () => slots.reduce((s, x) => s + x.options[x.choice]!.size, fixedSize);
  const chooseFor = (lambda: number) => {
    for (const s of slots) {
      let best = 0;
      s.options.forEach((opt, i) => { if (opt.kld + lambda * opt.size < s.options[best]!.kld + lambda * s.options[best]!.size) best = i; });
      s.choice = best;
    }
  };
  for (const s of slots) s.choice = 0;
  const minimum = sizeOf();
  if (minimum > budget) {
    throw new Error(`target ${byFile ? `${budget} bytes` : `${(o.target as { bitsPerWeight: number }).bitsPerWeight} bits per weight`} is below the smallest possible file with these types and locks (${byFile ? `${minimum} bytes` : `${((minimum * 8) / elements).toFixed(3)} bpw`})`);
  }
  // Bisection on log λ: larger λ, smaller file.
  let lo = -80, hi = 80;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    chooseFor(Math.exp(mid));
    if (sizeOf() <= budget) hi = mid; else lo = mid;
  }
  chooseFor(Math.exp(hi));
  if (sizeOf() > budget) for (const s of slots) s.choice = 0;

  // Greedy: the upgrade with the most KL saved per byte that still fits, until none does.
  let used = sizeOf();
  for (;;) {
    let best: { s: Slot; j: number; rate: number } | null = null;
    for (const s of slots) {
      const cur = s.options[s.choice]!;
      for (let j = s.choice + 1; j < s.options.length; j++) {
        const opt = s.options[j]!;
        const extra = opt.size - cur.size;
        const saved = cur.kld - opt.kld;
        if (saved <= 0 || used + extra > budget) continue;
        const rate = saved / Math.max(extra, 1);
        if (!best || rate > best.rate) best = { s, j, rate };
      }
    }
    if (!best) break;
    used += best.s.options[best.j]!.size - best.s.options[best.s.choice]!.size;
    best.s.choice = best.j;
  }
  const thorough = o.effort !== 'interactive' || slots.length <= INTERACTIVE_EXACT_SLOTS;
  if (thorough) used = improveByExchanges(slots, used, budget);
  const exact = thorough ? paretoKnapsack(slots, budget - fixedSize) : null;
  if (exact) {
    const totalOf = (choice: (s: Slot, i: number) => number) => slots.reduce((sum, s, i) => sum + s.options[choice(s, i)]!.kld, 0);
    if (totalOf((_, i) => exact[i]!) < totalOf((s) => s.choice)) {
      slots.forEach((s, i) => { s.choice = exact[i]!; });
      used = sizeOf();
    }
  }

  const choices = new Map<string, TensorChoice>();
  const types: TensorTypes = new Map();
  for (const t of plan.tensors) {
    const f = fixed.get(t.ggufName);
    const slot = slots.find((s) => s.name === t.ggufName);
    const c = f ?? { type: slot!.options[slot!.choice]!.type, kld: slot!.options[slot!.choice]!.kld, locked: false };
    choices.set(t.ggufName, c);
    types.set(t.ggufName, c.type);
  }
  const sizes = plan.tensors.map((t) => tensorBytes(types.get(t.ggufName)!, t.ne) as number);
  const fileBytes = layout.headerBytes + sizes.reduce((sum, n) => sum + alignUp(n, align), 0);
  if (byFile && fileBytes !== used) throw new Error(`allocation: accounted ${used} bytes but the layout has ${fileBytes} (a bug)`);
  const dataBytes = sizes.reduce((a, b) => a + b, 0);
  return {
    types, choices, fileBytes, bitsPerWeight: (dataBytes * 8) / elements,
    predictedKld: [...choices.values()].reduce((s, c) => s + c.kld, 0),
  };
}

/** Whether the target is reachable with these candidates and locks (allocateTypes would not refuse it). */
export function canAllocate(o: AllocateOptions): boolean {
  try {
    allocateTypes(o);
    return true;
  } catch {
    return false;
  }
}
