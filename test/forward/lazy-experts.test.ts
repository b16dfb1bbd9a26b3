// A MoE forward reads each expert's matrices only when tokens were routed to it: on a generated
// Qwen3-MoE of 32 experts, three tokens (at most six experts a layer) read at most those experts'
// bytes, and give the logits of a forward that loads every expert tensor whole.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelFiles } from '../../src/core/bytes-io.ts';
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import type { WeightSource } from '../../src/core/forward/forward-types.ts';
import { runForward } from '../../src/core/forward/run-forward.ts';
import { expertMatricesOf, planWeights } from '../../src/core/forward/weights.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { generateArchModel } from '../helpers/generate-arch-model.ts';

/** The files, counting the bytes read from the safetensors. */
function countingFiles(files: ModelFiles): ModelFiles & { bytesRead: number } {
  const counted = {
    label: files.label,
    bytesRead: 0,
    names: () => files.names(),
    open(name: string) {
      const source = files.open(name);
      if (!source || !name.endsWith('.safetensors')) return source;
      return { name: source.name, size: source.size, read: (offset: number, length: number) => { counted.bytesRead += length; return source.read(offset, length); } };
    },
  };
  return counted;
}

describe('MoE forward: experts read only where tokens were routed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lazy-experts-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads at most the routed experts\' bytes, with the logits of whole expert tensors', async () => {
    const folder = path.join(dir, 'qwen3moe-tiny-random');
    await generateArchModel('qwen3moe', folder, { dtype: 'F32', seed: 6, scale: 0.2, experts: { count: 32, used: 2, ff: 64 } });
    const files = await nodeModelFiles(folder);
    try {
      const plan = await planModel(files);
      const model = forwardModelFromPlan(plan);
      const sequences = [[11, 2_000, 70_000]];
      const logits = async (weights: WeightSource) => {
        const out: number[][] = [];
        await runForward(model, weights, { sequences, onLogits: (_s, _p, l) => out.push(Array.from(l)) });
        return out;
      };
      const counting = countingFiles(files);
      const lazy = planWeights(plan, counting);
      expect(expertMatricesOf(lazy), 'the plan source reads one expert at a time').toBeDefined();
      const lazyLogits = await logits(lazy);
      const lazyBytes = counting.bytesRead;
      // A source without an expert reader (any wrapper) loads each expert tensor whole.
      counting.bytesRead = 0;
      const wholeLogits = await logits((t) => lazy(t));
      const wholeBytes = counting.bytesRead;
      expect(lazyLogits).toEqual(wholeLogits);

      const expertBytes = plan.tensors.filter((t) => t.ggufName.includes('_exps')).reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1) * 4, 0);
      // One expert's three matrices in one of the two layers.
      const perExpert = expertBytes / (2 * 32);
      // Three tokens route to at most 6 of 32 experts a layer: at most 6 experts' bytes per layer
      // read, and at least 2 (the experts of one token).
      const expertBytesRead = expertBytes - (wholeBytes - lazyBytes);
      expect(expertBytesRead).toBeLessThanOrEqual(2 * 6 * perExpert);
      expect(expertBytesRead).toBeGreaterThanOrEqual(2 * 2 * perExpert);
    } finally {
      await files.close();
    }
  }, 120_000);
});
