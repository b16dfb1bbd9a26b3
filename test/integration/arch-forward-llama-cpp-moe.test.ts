// Our CPU forward and imatrix against llama.cpp's (arch-forward-compare.ts) on the mixtures of
// experts: routing, renormalised (Qwen3-MoE, Granite MoE) or not (OLMoE) weights, experts only on
// their tokens, per-expert imatrix counts (some experts never reached), a shared expert beside
// the routed ones (Granite MoE shared, and with Mamba-2 layers: Granite 4.0-h's MoE); gpt-oss's MXFP4 experts with biases, its softmax over the
// chosen experts' logits, clamped SwiGLU, attention sinks, YaRN and alternating sliding window.
import { expect } from 'vitest';
import type { WeightSource } from '../../src/core/forward/forward-types.ts';
import { GPT_OSS_WINDOW } from '../helpers/generate-arch-model.ts';
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
  {
    // granite-4.0-h-tiny's kind of model: Mamba-2 layers and an attention layer, each with 32 routed experts and a shared one.
    arch: 'granite4hmoe',
    experts: { count: 32, used: 2, ff: 64 },
    // Larger weights: through Granite's logit scale of 1/10 the default ones give nearly uniform distributions.
    generate: { scale: 0.35 },
    check: (m) => {
      expect(m.hparams.experts).toEqual({ count: 32, used: 2, gating: 'softmax', normalizeWeights: true });
      expect(m.hparams.ssm?.layers).toEqual([true, false, true, true]);
      expect(m.tensors.get('blk.0.ffn_down_shexp.weight')!.ne).toEqual([128, 128]);
    },
    controlWeights: withoutSharedExperts,
    // Mamba-2 layers: ssm_in, ssm_out, the router, three expert tensors and the shared expert's three; the attention layer: q, k, v, out and the same FFN.
    imatrixEntries: 3 * 9 + 11,
  },
  {
    // 32 MXFP4 experts of width 64, four per token; a window of 8 over 24 positions in layers 0 and 2.
    arch: 'gptoss',
    experts: { count: 32, used: 4, ff: 64 },
    check: (m) => {
      expect(m.hparams.experts).toEqual({ count: 32, used: 4, gating: 'softmax-weight', normalizeWeights: false });
      expect(m.hparams.activation).toBe('swiglu-oai');
      expect(m.hparams.ropeYarn).toEqual({ extFactor: 1, betaFast: 32, betaSlow: 1 });
      expect([m.hparams.slidingWindow, m.hparams.slidingLayers]).toEqual([GPT_OSS_WINDOW, [true, false, true, false]]);
      expect(m.tensors.get('blk.0.ffn_gate_exps.weight')).toMatchObject({ ne: [128, 64, 32], type: 'MXFP4' });
      expect(m.tensors.get('blk.0.attn_sinks.weight')!.ne).toEqual([4]);
    },
    // Without the sinks: every head's attention all on tokens again.
    control: (m) => ({ ...m, tensors: new Map([...m.tensors].filter(([name]) => !name.endsWith('attn_sinks.weight'))) }),
    imatrixPerLayer: 8,
    ggmlCpuActivations: true,
    // With Q8_0 activations, a value a float rounding away from a Q8_0 step upstream rounds the other
    // way on one side: the last layer's experts, reached by some twenty tokens each, then differ in a
    // few columns by up to 4e-3 (one token's square moved by a step). Everything else is within 1e-3.
    imatrixTolerance: 1e-2,
  },
]);
