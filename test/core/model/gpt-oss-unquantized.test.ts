// gpt-oss with its experts unquantized (a BF16 fine-tune's layout: each expert's matrix inputs by
// outputs, gate and up outputs interleaved) plans to the same GGUF tensors, with the same values,
// as the MXFP4 checkpoint of the same weights: the transposition and the split are the converter's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../../src/core/model/plan-types.ts';
import { readTensorF32, readTensorRowsF32 } from '../../../src/core/model/tensor-values.ts';
import { nodeModelFiles } from '../../../src/io/node-files.node.ts';
import { generateArchModel } from '../../helpers/generate-arch-model.ts';

type Files = Awaited<ReturnType<typeof nodeModelFiles>>;
/** +0 for -0: the checkpoint's FP4 code 8 is -0, ggml's is +0. */
const values = (v: Float32Array) => Array.from(v, (x) => x + 0);

describe('gpt-oss with unquantized experts', () => {
  let dir: string;
  const opened: { files: Files; plan: ModelPlan }[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gpt-oss-bf16-'));
    for (const unquantizedExperts of [false, true]) {
      const folder = path.join(dir, unquantizedExperts ? 'bf16' : 'mxfp4');
      await generateArchModel('gptoss', folder, { seed: 4, hidden: 64, experts: { count: 4, used: 2, ff: 96 }, unquantizedExperts });
      const files = await nodeModelFiles(folder);
      opened.push({ files, plan: await planModel(files) });
    }
  }, 60_000);
  afterAll(async () => {
    for (const { files } of opened) await files.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plans the same tensors, transposed and split, with the MXFP4 model\'s values and no stored type', async () => {
    const [mxfp4, bf16] = opened as [typeof opened[0], typeof opened[0]];
    expect(bf16.plan.tensors.map((t) => [t.ggufName, t.ne])).toEqual(mxfp4.plan.tensors.map((t) => [t.ggufName, t.ne]));
    const experts = bf16.plan.tensors.filter((t) => t.ggufName.endsWith('_exps.weight'));
    expect(experts).toHaveLength(4 * 3);
    for (const t of experts) {
      expect([t.storedType, t.transform.kind, t.quantizable]).toEqual([undefined, 'transpose-experts', true]);
      const twin = mxfp4.plan.tensors.find((u) => u.ggufName === t.ggufName)!;
      expect(values(await readTensorF32(t, bf16.files)), t.ggufName).toEqual(values(await readTensorF32(twin, mxfp4.files)));
    }
  });

  it('reads one expert\'s matrix alone, as the export\'s chunks and the lazy experts do', async () => {
    const [mxfp4, bf16] = opened as [typeof opened[0], typeof opened[0]];
    for (const name of ['blk.1.ffn_up_exps.weight', 'blk.1.ffn_down_exps.weight']) {
      const t = bf16.plan.tensors.find((u) => u.ggufName === name)!;
      const twin = mxfp4.plan.tensors.find((u) => u.ggufName === name)!;
      const rows = t.ne[1]!;
      expect(values(await readTensorRowsF32(t, bf16.files, 2 * rows, rows)), name).toEqual(values(await readTensorRowsF32(twin, mxfp4.files, 2 * rows, rows)));
      await expect(readTensorRowsF32(t, bf16.files, 1, rows)).rejects.toThrow(/aligned to/);
    }
  });
});
