// The budget slider's ends: the bits per weight of the smallest and of the largest allocation the
// allowed candidates and the user's locks permit (tensors outside the table count as the
// allocator counts them: F32 when never quantized, llama.cpp's row-length fallback otherwise).
import { tensorBytes, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import { fallbackForRowLength } from '../recipe/choose-types.ts';
import { typesForRows } from './candidate-types.ts';
import type { SensitivityTable } from './sensitivity-types.ts';

export function budgetRange(
  plan: ModelPlan, table: SensitivityTable, locked: ReadonlyMap<string, GgmlTypeName>, allowed: readonly GgmlTypeName[] | null,
): { min: number; max: number } {
  const sens = new Map(table.tensors.map((t) => [t.name, t]));
  let low = 0;
  let high = 0;
  let elements = 0;
  for (const t of plan.tensors) {
    elements += t.ne.reduce((a, b) => a * b, 1);
    const lock = locked.get(t.ggufName);
    const sizes = !t.quantizable
      ? [tensorBytes('F32', t.ne)]
      : lock
        ? [tensorBytes(fallbackForRowLength(lock, t.ne[0]!), t.ne)]
        : (sens.get(t.ggufName)?.candidates ?? []).filter((c) => !allowed || typesForRows(allowed, t.ne[0]!).includes(c.type)).map((c) => tensorBytes(c.type, t.ne));
    const fallback = sizes.length > 0 ? sizes : [tensorBytes(fallbackForRowLength(allowed?.[0] ?? 'Q8_0', t.ne[0]!), t.ne)];
    low += Math.min(...fallback);
    high += Math.max(...fallback);
  }
  return elements ? { min: (low * 8) / elements, max: (high * 8) / elements } : { min: 0, max: 0 };
}
