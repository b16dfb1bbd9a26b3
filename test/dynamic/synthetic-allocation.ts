// A synthetic model and sensitivity table for the allocator's tests: five tensors whose KL falls
// as gain · 2^(-bits), with different gains, so the best choice differs per tensor.
import { planGgufLayout } from '../../src/core/export/export-gguf.ts';
import { tensorBytes, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import type { ModelPlan, PlannedTensor, TensorRole } from '../../src/core/model/plan-types.ts';
import type { SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';

export function tensor(name: string, role: TensorRole, layer: number | null, ne: number[], quantizable = true): PlannedTensor {
  return {
    ggufName: name, hfName: name, role, layer, ne, quantizable, transform: { kind: 'none' },
    source: { file: 'model.safetensors', name, dtype: 'BF16', shape: [...ne].reverse(), offset: 0, byteLength: ne.reduce((a, b) => a * b, 2) },
  };
}

export const PLAN: ModelPlan = {
  architecture: 'llama', hfArchitecture: 'LlamaForCausalLM', layerCount: 2,
  metadata: [{ key: 'general.architecture', value: { type: 'string', value: 'llama' } }],
  tensors: [
    tensor('token_embd.weight', 'token_embd', null, [256, 64]),
    tensor('blk.0.attn_norm.weight', 'attn_norm', 0, [256], false),
    tensor('blk.0.attn_v.weight', 'attn_v', 0, [256, 32]),
    tensor('blk.0.ffn_down.weight', 'ffn_down', 0, [512, 64]),
    tensor('blk.1.attn_v.weight', 'attn_v', 1, [256, 32]),
    tensor('blk.1.ffn_down.weight', 'ffn_down', 1, [512, 64]),
  ],
};
export const TYPES: GgmlTypeName[] = ['Q2_K', 'Q4_K', 'Q6_K', 'Q8_0'];
/** Per tensor: KL = gain · 2^(-bits) — convex in size, different gains. */
const GAINS: Record<string, number> = { 'token_embd.weight': 3, 'blk.0.attn_v.weight': 5, 'blk.0.ffn_down.weight': 1, 'blk.1.attn_v.weight': 0.5, 'blk.1.ffn_down.weight': 2 };
export const BITS: Record<string, number> = { Q2_K: 2.625, Q4_K: 4.5, Q6_K: 6.5625, Q8_0: 8.5 };

export const TABLE: SensitivityTable = {
  format: 'quant-studio-sensitivity', version: 1, positions: 100,
  key: { model: 'synthetic', calibration: null, imatrix: null, candidates: TYPES, measure: 'all' },
  tensors: PLAN.tensors.filter((t) => t.quantizable).map((t) => ({
    name: t.ggufName, role: t.role, layer: t.layer, ne: t.ne,
    candidates: TYPES.map((type) => {
      const kld = GAINS[t.ggufName]! * 2 ** -BITS[type]!;
      return { type, bytes: tensorBytes(type, t.ne) as number, weightedError: kld, measuredKld: kld, kld, basis: 'measured' as const };
    }),
  })),
};

export const fileSize = (types: Map<string, GgmlTypeName>) => planGgufLayout(PLAN, types, 0).totalBytes;
export const predicted = (types: ReadonlyMap<string, GgmlTypeName>) => TABLE.tensors.reduce((s, t) => s + t.candidates.find((c) => c.type === types.get(t.name))!.kld, 0);


/** The lowest `measure` of any recipe that fits `budget`, by trying every one (4^5 of them). */
export function bruteForceBestOf(measure: (types: ReadonlyMap<string, GgmlTypeName>) => number, budget: number): number {
  const names = TABLE.tensors.map((t) => t.name);
  let best = Infinity;
  for (let code = 0; code < TYPES.length ** names.length; code++) {
    const types = new Map<string, GgmlTypeName>([['blk.0.attn_norm.weight', 'F32']]);
    names.forEach((n, i) => types.set(n, TYPES[Math.floor(code / TYPES.length ** i) % TYPES.length]!));
    if (fileSize(types) <= budget) best = Math.min(best, measure(types));
  }
  return best;
}
