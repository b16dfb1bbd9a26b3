// Our CPU forward and imatrix against llama.cpp's (arch-forward-compare.ts) on the dense families
// whose graph differs from Llama's where a finite-probabilities check cannot see it: SmolLM3 (every
// fourth layer without rope), Granite 3 (embedding, attention, residual and logit scales) and
// Granite 4.0 (its shared MLP split by the converter), Phi-4-mini (fused projections, partial
// rotary, LongRoPE's short and long factors), OLMo 2 (norms after attention and the FFN instead
// of before, q/k norms over the whole projection), LFM2 (short convolutions in place of
// attention in most layers) and Qwen3 (per-head q/k norms, NeoX rope).
import { expect } from 'vitest';
import type { WeightSource } from '../../src/core/forward/forward-types.ts';
import { archForwardSuite } from './arch-forward-compare.ts';

/** LFM2's convolution kernels with their taps in reverse order: a convolution run backwards in time. */
const reversedConvTaps = (weights: WeightSource): WeightSource => async (t) => {
  const values = await weights(t);
  if (!t.ggufName.endsWith('shortconv.conv.weight')) return values;
  const taps = t.ne[0]!;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i - (i % taps) + taps - 1 - (i % taps)]!;
  return out;
};

/** Phi-4-mini's LongRoPE attention factor: context 131072 over an original 4096. */
const PHI4_MINI_ATTN_FACTOR = Math.fround(Math.sqrt(1 + Math.log(32) / Math.log(4096)));

archForwardSuite([
  {
    arch: 'smollm3',
    check: (m) => expect(m.hparams.ropeLayers).toEqual([true, true, true, false]),
    control: (m) => ({ ...m, hparams: { ...m.hparams, ropeLayers: m.hparams.ropeLayers.map(() => true) } }),
  },
  {
    arch: 'granite',
    check: (m) => {
      expect([m.hparams.embedScale, m.hparams.attentionScale, m.hparams.residualScale, m.hparams.logitScale])
        .toEqual([12, Math.fround(1 / 32), Math.fround(0.22), Math.fround(1 / 8)]);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, residualScale: null } }),
  },
  {
    // Granite 4.0 (all attention): the shared MLP's fused input split into gate and up, head_count_kv written per layer.
    arch: 'granite4',
    check: (m) => {
      expect([m.hparams.headCountKv, m.hparams.residualScale, m.hparams.logitScale]).toEqual([2, Math.fround(0.22), Math.fround(1 / 10)]);
      expect(m.tensors.get('blk.0.ffn_gate.weight')!.ne).toEqual([128, 128]);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, residualScale: null } }),
  },
  {
    // Fused attn_qkv and gate|up ffn_up, a quarter of each head unrotated, LongRoPE's short factors
    // (llama.cpp's context of 256 is within the original 4096) and its attention factor.
    arch: 'phi4mini',
    check: (m) => {
      const hp = m.hparams;
      expect([hp.ropeDims, hp.headDimK, hp.ropeAttnFactor, hp.ropeOriginalContext]).toEqual([24, 32, PHI4_MINI_ATTN_FACTOR, 4096]);
      expect(hp.slidingWindow !== null && hp.slidingLayers.every((l) => !l), 'the window stated, and disabled as llama.cpp disables it').toBe(true);
      expect(m.tensors.get('blk.0.attn_qkv.weight')!.ne).toEqual([128, 4 * 32 + 2 * 2 * 32]);
      expect(m.tensors.get('blk.0.ffn_up.weight')!.ne).toEqual([128, 2 * 128]);
      expect(m.tensors.has('output.weight')).toBe(false);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, ropeAttnFactor: 1 } }),
    // attn_qkv, attn_output, ffn_up, ffn_down.
    imatrixPerLayer: 4,
  },
  {
    // The same with an original context of 128: llama.cpp's 256 exceeds it, so the long factors rotate.
    arch: 'phi4mini',
    name: 'phi4mini-long',
    generate: { originalContext: 128 },
    check: (m) => expect([m.hparams.ropeOriginalContext, m.tensors.has('rope_factors_long.weight')]).toEqual([128, true]),
    control: (m) => ({ ...m, hparams: { ...m.hparams, ropeOriginalContext: 4096 } }),
    imatrixPerLayer: 4,
  },
  {
    // Convolution, convolution, attention, convolution (LFM2-350M's first layers); kernels of 3 taps.
    arch: 'lfm2',
    check: (m) => {
      expect(m.hparams.shortConv).toEqual({ taps: 3, layers: [true, true, false, true] });
      expect([m.hparams.headCountKv, m.hparams.ropeStyle]).toEqual([2, 'neox']);
      expect(m.tensors.get('blk.0.shortconv.conv.weight')!.ne).toEqual([3, 128]);
      expect([m.tensors.has('token_embd_norm.weight'), m.tensors.has('output_norm.weight'), m.tensors.has('blk.0.attn_q.weight')]).toEqual([true, false, false]);
    },
    controlWeights: reversedConvTaps,
    // Convolution layers: in_proj, out_proj, gate, up, down; the attention layer: q, k, v, out, gate, up, down.
    imatrixEntries: 3 * 5 + 7,
  },
  {
    // Mamba-2, attention (no rope), Mamba-2, Mamba-2: granite-4.0-h-micro's kinds of layer, 8 SSM heads, state 16, kernel 4.
    arch: 'granite4h',
    // Larger weights: through Granite's logit scale of 1/10 the default ones give nearly uniform distributions.
    generate: { scale: 0.35 },
    check: (m) => {
      expect(m.hparams.ssm).toEqual({ inner: 256, stateSize: 16, groups: 1, heads: 8, convKernel: 4, layers: [true, false, true, true] });
      expect(m.hparams.ropeLayers).toEqual([false, false, false, false]);
      expect(m.tensors.get('blk.0.ssm_conv1d.weight')!.ne).toEqual([4, 288]);
      expect([m.tensors.has('blk.0.attn_q.weight'), m.tensors.has('blk.1.attn_q.weight')]).toEqual([false, true]);
    },
    // Without the skip term D.
    controlWeights: (weights) => async (t) => (t.ggufName.endsWith('.ssm_d') ? new Float32Array(t.ne.reduce((a, b) => a * b, 1)) : weights(t)),
    // Mamba-2 layers: ssm_in, ssm_out, gate, up, down; the attention layer: q, k, v, out, gate, up, down.
    imatrixEntries: 3 * 5 + 7,
  },
  {
    // Per-head q/k RMS norms (one weight of head_dim each) and NeoX rope: the control rotates Llama's way.
    arch: 'qwen3',
    check: (m) => {
      expect(m.hparams.ropeStyle).toBe('neox');
      expect(m.tensors.get('blk.0.attn_q_norm.weight')!.ne).toEqual([m.hparams.headDimK]);
      expect(m.tensors.get('blk.0.attn_k_norm.weight')!.ne).toEqual([m.hparams.headDimK]);
    },
    control: (m) => ({ ...m, hparams: { ...m.hparams, ropeStyle: 'normal' } }),
  },
  {
    arch: 'olmo2',
    check: (m) => {
      expect(m.hparams.preNorms).toBe(false);
      expect(m.tensors.has('blk.0.attn_norm.weight')).toBe(false);
      expect(m.tensors.get('blk.0.attn_q_norm.weight')!.ne).toEqual([m.hparams.headCount * m.hparams.headDimK]);
    },
  },
]);
