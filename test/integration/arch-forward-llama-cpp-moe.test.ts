// Our CPU forward and imatrix against llama.cpp's (arch-forward-compare.ts) on the mixtures of
// experts: routing, renormalised (Qwen3-MoE, Granite MoE) or not (OLMoE) weights, experts only on
// their tokens, per-expert imatrix counts (some experts never reached), a shared expert beside
// the routed ones (Granite MoE shared).
import { expect } from 'vitest';
import type { WeightSource } from '../../src/core/forward/forward-types.ts';
import { archForwardSuite } from './arch-forward-compare.ts';

/** The shared experts' down projections zeroed: a forward without them. */
const withoutSharedExperts = (weights: WeightSource): WeightSource => async (t) => {
  const values = await weights(t);
  return t.ggufName.endsWith('ffn_down_shexp.weight') ? new Float32Array(values.length) : values;
};

archForwardSuite([
  {
    // 32 experts, two per token, 64 wide: routing, renormalised weights, experts only on their
    // tokens; with this few tokens some experts are never reached (their imatrix counts are 0).
    arch: 'qwen3moe',
    experts: { count: 32, used: 2, ff: 64 },
    check: (m) => {
      expect(m.hparams.experts).toEqual({ count: 32, used: 2, gating: 'softmax', normalizeWeights: true });
      expect(m.tensors.get('blk.0.ffn_down_exps.weight')!.ne).toEqual([64, 128, 32]);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, experts: { ...m.hparams.experts!, normalizeWeights: false } } }),
    // q, k, v, output, the router and the three stacked expert tensors.
    imatrixPerLayer: 8,
    unreachedExperts: true,
  },
  {
    // 32 experts, two per token, weights not renormalised; q/k norms over the whole projection.
    arch: 'olmoe',
    experts: { count: 32, used: 2, ff: 64 },
    check: (m) => {
      expect(m.hparams.experts).toEqual({ count: 32, used: 2, gating: 'softmax', normalizeWeights: false });
      expect(m.tensors.get('blk.0.attn_k_norm.weight')!.ne).toEqual([128]);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, experts: { ...m.hparams.experts!, normalizeWeights: true } } }),
    imatrixPerLayer: 8,
    unreachedExperts: true,
  },
  {
    // Granite's scales around 32 experts stored fused (gate and up split apart by the converter), two per token.
    arch: 'granitemoe',
    experts: { count: 32, used: 2, ff: 64 },
    check: (m) => {
      expect(m.hparams.experts).toEqual({ count: 32, used: 2, gating: 'softmax', normalizeWeights: true });
      expect([m.hparams.residualScale, m.hparams.logitScale]).toEqual([Math.fround(0.22), Math.fround(1 / 6)]);
      expect(m.tensors.get('blk.0.ffn_gate_exps.weight')!.ne).toEqual([128, 64, 32]);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, residualScale: null } }),
    imatrixPerLayer: 8,
  },
  {
    // The same with a shared expert of width 128 every token goes through.
    arch: 'granitemoeshared',
    experts: { count: 32, used: 2, ff: 64 },
    check: (m) => {
      expect(m.hparams.experts).toEqual({ count: 32, used: 2, gating: 'softmax', normalizeWeights: true });
      expect([m.tensors.get('blk.0.ffn_gate_shexp.weight')!.ne, m.tensors.get('blk.0.ffn_down_shexp.weight')!.ne]).toEqual([[128, 128], [128, 128]]);
    },
    controlWeights: withoutSharedExperts,
    // q, k, v, output, the router, the three stacked expert tensors and the shared expert's three.
    imatrixPerLayer: 11,
  },
]);
