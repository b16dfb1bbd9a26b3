// The size-versus-predicted-KL frontier: the allocation at evenly spaced budgets between the
// smallest and the largest file the candidates and locks allow. The studio draws it with
// llama.cpp's mixes beside it; a mix above the curve is beaten at its own size.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import { allocateTypes } from './allocate.ts';
import { budgetRange } from './budget-range.ts';
import type { SensitivityTable } from './sensitivity-types.ts';

export interface FrontierPoint {
  bitsPerWeight: number;
  fileBytes: number;
  predictedKld: number;
}

export interface FrontierOptions {
  plan: ModelPlan;
  table: SensitivityTable;
  locked: ReadonlyMap<string, GgmlTypeName>;
  allowed: readonly GgmlTypeName[] | null;
  extraMetadata?: readonly GgufKv[];
  /** Budgets sampled (default 24). */
  points?: number;
}

export function frontierPoints(o: FrontierOptions): FrontierPoint[] {
  const { min, max } = budgetRange(o.plan, o.table, o.locked, o.allowed);
  const count = Math.max(2, o.points ?? 24);
  const out: FrontierPoint[] = [];
  for (let i = 0; i < count; i++) {
    const bpw = min + ((max - min) * i) / (count - 1);
    try {
      const a = allocateTypes({
        plan: o.plan, table: o.table, target: { bitsPerWeight: bpw }, locked: o.locked, allowed: o.allowed ?? undefined,
        fileType: 0, extraMetadata: o.extraMetadata, effort: 'interactive',
      });
      // Lumpy budgets can give the same allocation twice: one point per distinct file.
      if (out.length === 0 || out[out.length - 1]!.fileBytes !== a.fileBytes) {
        out.push({ bitsPerWeight: a.bitsPerWeight, fileBytes: a.fileBytes, predictedKld: a.predictedKld });
      }
    } catch {
      // A rounding step below the minimum at the low end: that budget has no allocation.
    }
  }
  return out;
}
