// A sensitivity table with every tensor's candidates and no costs: enough for the allocator to
// say whether a target is reachable at all (the smallest and largest files depend on the
// candidates, the locks and the allowed list only), before minutes of measuring.
import { rowBytes, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import { candidateTypesFor } from './candidate-types.ts';
import type { SensitivityTable } from './sensitivity-types.ts';

export function unmeasuredTable(plan: ModelPlan, candidates: readonly GgmlTypeName[], hasImatrix: boolean): SensitivityTable {
  return {
    format: 'quant-studio-sensitivity', version: 1, positions: 0,
    key: { model: 'unmeasured', calibration: null, imatrix: null, candidates: [...candidates], measure: 'none' },
    tensors: plan.tensors
      .map((t) => ({ t, types: candidateTypesFor(t, candidates, hasImatrix) }))
      .filter(({ types }) => types.length > 0)
      .map(({ t, types }) => ({
        name: t.ggufName, role: t.role, layer: t.layer, ne: [...t.ne],
        candidates: types.map((type) => ({ type, bytes: (rowBytes(type, t.ne[0]!) as number) * t.ne.slice(1).reduce((a, b) => a * b, 1), weightedError: 0, kld: 0, basis: 'prior' as const })),
      })),
  };
}
