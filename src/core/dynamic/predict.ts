// The predicted KL of any per-tensor choice (a llama.cpp mix, a user's edits): the sum of each
// tensor's cost for its type, with the allocator's rule for types the table has no figure for.
import type { TensorTypes } from '../model/plan-types.ts';
import { bitsOf } from './candidate-types.ts';
import type { SensitivityTable, TensorSensitivity } from './sensitivity-types.ts';

/** A type outside the candidates: nothing above the largest one, else the candidate nearest in bits. */
export function tensorCost(s: TensorSensitivity | undefined, type: Parameters<typeof bitsOf>[0]): number {
  if (!s || s.candidates.length === 0 || type === 'F32') return 0;
  const exact = s.candidates.find((c) => c.type === type);
  if (exact) return exact.kld;
  if (bitsOf(type) > bitsOf(s.candidates[s.candidates.length - 1]!.type)) return 0;
  return [...s.candidates].sort((a, b) => Math.abs(bitsOf(a.type) - bitsOf(type)) - Math.abs(bitsOf(b.type) - bitsOf(type)))[0]!.kld;
}

export function predictKld(table: SensitivityTable, types: TensorTypes): number {
  return table.tensors.reduce((sum, t) => sum + tensorCost(t, types.get(t.name) ?? 'F32'), 0);
}
