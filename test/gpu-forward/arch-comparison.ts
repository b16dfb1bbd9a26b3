// Shared by gpu-forward-archs-*.test.ts: the WGSL forward against the CPU reference on tiny
// generated models of every architecture the forward supports: biases (qwen2), q/k norms (qwen3, gemma3), NeoX rope, Llama 3's rope_freqs,
// GeGLU, embedding scale, post norms, soft-capping, and sliding windows (shrunk to a few tokens so
// short sequences cross them). Logits within 1e-3, imatrix within 1e-4 relative.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  /** Asserts the feature this case is about is really present in the generated model. */
  expect: (m: ForwardModel) => void;
  /** Sliding window shrunk to this many tokens. */
  window?: number;
  /** KV cache precision of both forwards (default f32). */
  kvCache?: 'f32' | 'f16';
}

export const ARCH_CASES: ArchCase[] = [
  { arch: 'llama3', kvCache: 'f16', expect: (m) => expect(m.tensors.has('rope_freqs.weight')).toBe(true) },
  { arch: 'qwen2', expect: (m) => expect(m.tensors.has('blk.0.attn_q.bias')).toBe(true) },
  { arch: 'qwen3', expect: (m) => expect(m.tensors.has('blk.0.attn_q_norm.weight')).toBe(true) },
  { arch: 'gemma2', window: 5, expect: (m) => expect(m.hparams.attnSoftcap !== null && m.hparams.finalSoftcap !== null).toBe(true) },
  { arch: 'gemma3', window: 4, expect: (m) => expect(m.tensors.has('blk.0.post_ffw_norm.weight')).toBe(true) },
];

export function describeArchComparison(cases: readonly ArchCase[]): void {
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

  describe('GPU forward vs the CPU reference on generated models', () => {
    for (const { arch, expect: expectTraits, window, kvCache = 'f32' } of cases) {
      it(`${arch} (${kvCache} KV cache): same logits and imatrix`, async () => {
        const folder = path.join(dir, arch);
        await generateArchModel(arch, folder, { seed: 7 });
        const files = await nodeModelFiles(folder);
        try {
          const plan = await planModel(files);
          let model = forwardModelFromPlan(plan);
          expectTraits(model);
          if (window !== undefined) {
            expect(model.hparams.slidingLayers.some((s) => s)).toBe(true);
            model = { ...model, hparams: { ...model.hparams, slidingWindow: window } };
          }
          const weights = planWeights(plan, files);
          const rng = new Rng(11);
          const sequences = [9, 5].map((n) => Array.from({ length: n }, () => Math.floor(rng.uniform() * model.hparams.vocabSize)));
          // Logits of the last 3 positions only (the output head over 128k-262k rows dominates the
          // time); they depend on every earlier position through attention, and the imatrix covers all.
          const outputFrom = (s: number) => sequences[s]!.length - 3;
          const cpu = await cpuForward(model, weights, sequences, kvCache, outputFrom);
          const { logits, onLogits } = logitsCollector(sequences);
          const imatrix: ImatrixStats['entries'] = new Map();
          await gpu.run(model, weights, { sequences, onLogits, outputFrom, kvCache }, { imatrix });
          expect(logits.map((l) => l.filter(Boolean).length)).toEqual([3, 3]);
          const diff = maxLogitDiff(logits, cpu.logits);
          expect(diff, `${arch}: max |Δlogit| ${diff}`).toBeLessThan(1e-3);
          const im = imatrixDiff(cpu.imatrix, imatrix);
          expect(im.sameEntries).toBe(true);
          // With an f16 KV cache a probability on an f16 rounding boundary may round either way (the
          // CPU rounds a double, the GPU a float): one f16 ulp, 1e-3 relative, on the o-proj input.
          expect(im.maxRel, `${arch}: imatrix max relative Δ ${im.maxRel}`).toBeLessThan(kvCache === 'f16' ? 2e-3 : 1e-4);
          expect(uncapturedGpuErrors).toEqual([]);
        } finally {
          await files.close();
        }
      });
    }
  });
}
