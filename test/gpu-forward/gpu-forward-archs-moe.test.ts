// GPU forward = CPU reference on a generated Qwen3-MoE, OLMoE and Granite MoE, with and without a shared expert (8 experts, two per token),
// and gpt-oss (MXFP4 experts with biases, sinks, YaRN): the router's
// logits, the routing, each expert on its gathered rows, the weighted slots summed into the
// stream; and the imatrix with a row of sums and a count per expert. Only the routed experts'
// matrices are uploaded, one expert at a time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeightSource } from '../../src/core/forward/forward-types.ts';
import { createGpuForward, type GpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { generateArchModel } from '../helpers/generate-arch-model.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { openPlannedModel } from '../helpers/planned-model.ts';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';
import { logitsCollector, maxLogitDiff } from './forward-compare.ts';

const compareArch = useArchComparison();

describe('GPU forward vs the CPU reference on a generated MoE model', () => {
  for (const c of ARCH_CASES.filter((c) => ['qwen3moe', 'olmoe', 'granitemoe', 'granitemoeshared', 'gptoss', 'granite4hmoe'].includes(c.arch))) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});

describe('GPU forward uploads only the routed experts', () => {
  let dir: string;
  let device: GPUDevice;
  let gpu: GpuForward;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gpu-lazy-experts-'));
    device = await createTestDevice();
    gpu = createGpuForward(device);
  });
  afterAll(async () => {
    gpu?.dispose();
    device?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('three tokens of 32 experts: at most six experts\' matrices a layer uploaded, the logits of whole expert tensors', async () => {
    const folder = path.join(dir, 'qwen3moe-32');
    await generateArchModel('qwen3moe', folder, { seed: 6, scale: 0.2, hidden: 64, experts: { count: 32, used: 2, ff: 64 } });
    const { files, plan, model, weights } = await openPlannedModel(folder);
    try {
      const sequences = [[11, 2_000, 70_000]];
      const run = async (w: WeightSource) => {
        const { logits, onLogits } = logitsCollector(sequences);
        let uploaded = 0;
        await gpu.run(model, w, { sequences, onLogits }, { onStats: (s) => { uploaded = s.weightBytesUploaded; } });
        return { logits, uploaded };
      };
      const lazy = await run(weights);
      // A source without an expert reader uploads each expert tensor whole.
      const whole = await run((t) => weights(t));
      expect(maxLogitDiff(lazy.logits, whole.logits)).toBe(0);
      // f32 uploads: one expert's three matrices in one of the two layers.
      const expertBytes = plan.tensors.filter((t) => t.ggufName.includes('_exps')).reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1) * 4, 0);
      const perExpert = expertBytes / (2 * 32);
      const expertBytesUploaded = expertBytes - (whole.uploaded - lazy.uploaded);
      expect(expertBytesUploaded).toBeLessThanOrEqual(2 * 6 * perExpert);
      expect(expertBytesUploaded).toBeGreaterThanOrEqual(2 * 2 * perExpert);
      expect(uncapturedGpuErrors).toEqual([]);
    } finally {
      await files.close();
    }
  }, 300_000);
});
