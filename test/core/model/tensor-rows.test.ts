import { describe, expect, it } from 'vitest';
import { planModel } from '../../../src/core/model/plan-model.ts';
import { readTensorF32, readTensorRowsF32, tensorRowAlignment, tensorRows } from '../../../src/core/model/tensor-values.ts';
import { nodeModelFiles } from '../../../src/io/node-files.node.ts';
import { STORIES260K } from '../../helpers/paths.ts';

describe('reading a tensor by row ranges', () => {
  it('gives exactly the whole-tensor values, for every tensor and transform, in aligned chunks', async () => {
    const files = await nodeModelFiles(STORIES260K);
    try {
      const plan = await planModel(files);
      expect(plan.tensors.some((t) => t.transform.kind === 'permute-qk')).toBe(true);
      for (const t of plan.tensors) {
        const whole = await readTensorF32(t, files);
        const rows = tensorRows(t);
        const step = Math.max(tensorRowAlignment(t), 3 * tensorRowAlignment(t));
        const parts: Float32Array[] = [];
        for (let r = 0; r < rows; r += step) parts.push(await readTensorRowsF32(t, files, r, Math.min(step, rows - r)));
        const joined = new Float32Array(whole.length);
        let at = 0;
        for (const p of parts) {
          joined.set(p, at);
          at += p.length;
        }
        expect(at, t.ggufName).toBe(whole.length);
        expect(Buffer.compare(Buffer.from(joined.buffer), Buffer.from(whole.buffer)), t.ggufName).toBe(0);
      }
      const q = plan.tensors.find((t) => t.ggufName === 'blk.0.attn_q.weight')!;
      await expect(readTensorRowsF32(q, files, 1, 8)).rejects.toThrow(/aligned to 8/);
    } finally {
      await files.close();
    }
  });
});
