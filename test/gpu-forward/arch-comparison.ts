// Shared by gpu-forward-archs-*.test.ts, which hold the assertions: the WGSL forward against the CPU reference on tiny
// generated models of every architecture the forward supports: biases (qwen2), q/k norms (qwen3, gemma3), NeoX rope, Llama 3's rope_freqs,
// SmolLM3's layers without rope, OLMo 2's post-norms and whole-projection q/k norms, Granite's scales,
// Phi-4-mini's fused projections, partial rotary and LongRoPE, LFM2's short convolutions, Granite 4.0-h's Mamba-2 layers, Qwen3-MoE's routed experts, Granite MoE's shared expert,
// gpt-oss's sinks, YaRN, biased experts and clamped SwiGLU, GeGLU, embedding scale, post norms, soft-capping, and sliding windows (shrunk to a few tokens so
// short sequences cross them). Logits within 1e-3, imatrix within 1e-4 relative. compareArch
// returns every way the two forwards disagree; a test expects that list to be empty.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { ForwardModel } from '../../src/core/forward/forward-types.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import type { ImatrixStats } from '../../src/core/imatrix/imatrix-stats.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { createGpuForward, type GpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { generateArchModel, type ArchName } from '../helpers/generate-arch-model.ts';
import { Rng } from '../helpers/generate-model.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { cpuForward, imatrixDiff, logitsCollector, maxLogitDiff } from './forward-compare.ts';

export interface ArchCase {
  arch: ArchName;
  /** The feature this case is about, which must really be present in the generated model. */
  feature: string;
  has: (m: ForwardModel) => boolean;
  /** Sliding window shrunk to this many tokens. */
  window?: number;
  /** KV cache precision of both forwards (default f32). */
  kvCache?: 'f32' | 'f16';
}

export const ARCH_CASES: ArchCase[] = [
  { arch: 'llama3', kvCache: 'f16', feature: 'rope_freqs', has: (m) => m.tensors.has('rope_freqs.weight') },
  { arch: 'qwen2', feature: 'q bias', has: (m) => m.tensors.has('blk.0.attn_q.bias') },
  { arch: 'qwen3', feature: 'q norm', has: (m) => m.tensors.has('blk.0.attn_q_norm.weight') },
  { arch: 'smollm3', feature: 'a layer without rope', has: (m) => m.hparams.ropeLayers.includes(false) },
  { arch: 'granite', feature: 'embedding, attention, residual and logit scales', has: (m) => m.hparams.residualScale !== null && m.hparams.logitScale !== null && m.hparams.embedScale === 12 },
  { arch: 'olmo2', feature: 'norms only after attention and FFN', has: (m) => !m.hparams.preNorms && m.tensors.has('blk.0.post_ffw_norm.weight') && !m.tensors.has('blk.0.attn_norm.weight') },
  {
    arch: 'phi4mini', feature: 'fused attn_qkv and gate|up, partial rotary, LongRoPE',
    has: (m) => m.tensors.has('blk.0.attn_qkv.weight') && !m.tensors.has('blk.0.ffn_gate.weight') && m.hparams.ropeDims < m.hparams.headDimK
      && m.tensors.has('rope_factors_short.weight') && m.hparams.ropeAttnFactor > 1,
  },
  {
    arch: 'lfm2', feature: 'short-convolution layers beside attention layers',
    has: (m) => m.hparams.shortConv?.layers.filter(Boolean).length === 3 && m.tensors.has('blk.2.attn_q_norm.weight'),
  },
  {
    arch: 'granite4h', feature: 'Mamba-2 layers beside an attention layer without rope',
    has: (m) => m.hparams.ssm?.layers.filter(Boolean).length === 3 && m.hparams.ropeLayers.every((r) => !r) && m.tensors.has('blk.0.ssm_conv1d.bias'),
  },
  {
    arch: 'granite4hmoe', feature: 'Mamba-2 layers with routed experts and a shared one',
    has: (m) => m.hparams.ssm !== null && m.hparams.experts !== null && m.tensors.has('blk.0.ffn_down_shexp.weight') && m.tensors.has('blk.0.ssm_in.weight'),
  },
  { arch: 'gemma2', window: 5, feature: 'soft-capping', has: (m) => m.hparams.attnSoftcap !== null && m.hparams.finalSoftcap !== null },
  { arch: 'gemma3', window: 4, feature: 'post-FFN norm', has: (m) => m.tensors.has('blk.0.post_ffw_norm.weight') },
  { arch: 'qwen3moe', feature: 'mixture-of-experts layers', has: (m) => m.hparams.experts !== null && m.tensors.get('blk.0.ffn_up_exps.weight')?.ne[2] === 8 },
  { arch: 'olmoe', feature: 'experts without renormalised weights', has: (m) => m.hparams.experts?.normalizeWeights === false },
  { arch: 'granitemoe', feature: 'experts with a residual scale', has: (m) => m.hparams.experts !== null && m.hparams.residualScale !== null },
  { arch: 'granitemoeshared', feature: 'a shared expert beside the routed ones', has: (m) => m.hparams.experts !== null && m.tensors.has('blk.1.ffn_down_shexp.weight') },
  {
    arch: 'gptoss', window: 4, feature: 'attention sinks, YaRN, expert and router biases, softmax over the chosen experts, clamped SwiGLU',
    has: (m) => m.tensors.has('blk.0.attn_sinks.weight') && m.hparams.ropeYarn !== null && m.tensors.has('blk.1.ffn_down_exps.bias') && m.tensors.has('blk.1.ffn_gate_inp.bias')
      && m.hparams.experts?.gating === 'softmax-weight' && m.hparams.activation === 'swiglu-oai',
  },
];

/** Test names: the architecture and its KV cache. */
export const archCaseName = (c: ArchCase) => `${c.arch} (${c.kvCache ?? 'f32'} KV cache): same logits and imatrix`;

/**
 * Registers the device and a scratch folder for the calling test file; returns the comparison of
 * one case: every disagreement between the GPU and CPU forwards, as text (none when they agree).
 */
export function useArchComparison(): (c: ArchCase) => Promise<string[]> {
  let dir: string;
  let device: GPUDevice;
  let gpu: GpuForward;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gpu-forward-archs-'));
    device = await createTestDevice();
    gpu = createGpuForward(device);
  });

  afterAll(async () => {
    gpu?.dispose();
    device?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  return async ({ arch, feature, has, window, kvCache = 'f32' }) => {
    const problems: string[] = [];
    const folder = path.join(dir, arch);
    await generateArchModel(arch, folder, { seed: 7, smallVocab: true });
    const files = await nodeModelFiles(folder);
    try {
      const plan = await planModel(files);
      let model = forwardModelFromPlan(plan);
      if (!has(model)) problems.push(`${arch}: the generated model has no ${feature}`);
      if (window !== undefined) {
        if (!model.hparams.slidingLayers.some((s) => s)) problems.push(`${arch}: no sliding-window layer`);
        model = { ...model, hparams: { ...model.hparams, slidingWindow: window } };
      }
      const weights = planWeights(plan, files);
      const rng = new Rng(11);
      const sequences = [9, 5].map((n) => Array.from({ length: n }, () => Math.floor(rng.uniform() * model.hparams.vocabSize)));
      // Logits of the last 3 positions only; they depend on every earlier position through
      // attention, and the imatrix covers all. The vocabulary is stories260K's 512 tokens: the
      // families' 128k-262k-row heads were most of the time (gemma2: 47 s against 2 s), and the
      // real-size head and token ids past 2^16 are gpu-forward-limits' and the lazy-experts test's.
      const outputFrom = (s: number) => sequences[s]!.length - 3;
      const cpu = await cpuForward(model, weights, sequences, kvCache, outputFrom);
      const { logits, onLogits } = logitsCollector(sequences);
      const imatrix: ImatrixStats['entries'] = new Map();
      await gpu.run(model, weights, { sequences, onLogits, outputFrom, kvCache }, { imatrix });
      const rows = logits.map((l) => l.filter(Boolean).length);
      if (rows.join() !== '3,3') problems.push(`${arch}: logit rows per sequence ${rows.join(', ')}, expected 3, 3`);
      const diff = maxLogitDiff(logits, cpu.logits);
      if (!(diff < 1e-3)) problems.push(`${arch}: max |Δlogit| ${diff} (at most 1e-3)`);
      const im = imatrixDiff(cpu.imatrix, imatrix);
      if (!im.sameEntries) problems.push(`${arch}: the imatrices have different entries`);
      // With an f16 KV cache a probability on an f16 rounding boundary may round either way (the
      // CPU rounds a double, the GPU a float): one f16 ulp, 1e-3 relative, on the o-proj input.
      const imatrixTolerance = kvCache === 'f16' ? 2e-3 : 1e-4;
      if (!(im.maxRel < imatrixTolerance)) problems.push(`${arch}: imatrix max relative Δ ${im.maxRel} (at most ${imatrixTolerance})`);
      problems.push(...uncapturedGpuErrors.map((e) => `${arch}: uncaptured GPU error: ${e}`));
    } finally {
      await files.close();
    }
    return problems;
  };
}
