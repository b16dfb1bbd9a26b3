// The predicted KL of any per-tensor choice (a llama.cpp mix, a user's edits): the sum of each
// tensor's cost for its type, with the allocator's rule for types the table has no figure for.
import type { TensorTypes } from '../model/plan-types.ts';
import { bitsPerWeight, type GgmlTypeName } from '../ggml-type.ts';
import type { CandidateCost, SensitivityTable, TensorSensitivity } from './sensitivity-types.ts';

/**
 * The measured candidate that stands for `type`: itself, else the one nearest in bits; null for
 * a type above the largest candidate (or F32), which costs nothing.
 */
export function standInCandidate(s: TensorSensitivity | undefined, type: GgmlTypeName): CandidateCost | null {
  if (!s || s.candidates.length === 0 || type === 'F32') return null;
  const exact = s.candidates.find((c) => c.type === type);
  if (exact) return exact;
  if (bitsPerWeight(type) > bitsPerWeight(s.candidates[s.candidates.length - 1]!.type)) return null;
  return [...s.candidates].sort((a, b) => Math.abs(bitsPerWeight(a.type) - bitsPerWeight(type)) - Math.abs(bitsPerWeight(b.type) - bitsPerWeight(type)))[0]!;
}

export function tensorCost(s: TensorSensitivity | undefined, type: GgmlTypeName): number {
  return standInCandidate(s, type)?.kld ?? 0;
}

export function predictKld(table: SensitivityTable, types: TensorTypes): number {
  return table.tensors.reduce((sum, t) => sum + tensorCost(t, types.get(t.name) ?? 'F32'), 0);
}
