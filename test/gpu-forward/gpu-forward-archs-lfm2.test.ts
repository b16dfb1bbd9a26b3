// LFM2 on the GPU against the CPU reference, on a generated model: its convolution layers run
// in_proj, the short convolution over each sequence (the sequences of a pass side by side, each
// starting from a zero state) and out_proj; the attention layer has per-head q/k norms. The
// sensitivity replay perturbs the convolution layers' projections on the GPU as on the CPU.
// Likewise Granite 4.0-h's Mamba-2 layers (convolution, scan, skip, gate, grouped norm) beside an
// attention layer without rope.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';
import { expectSameTable, measureArchOnBothEngines } from './sensitivity-compare.ts';

const compareArch = useArchComparison();

describe('GPU forward vs the CPU reference on generated models', () => {
  for (const c of ARCH_CASES.filter((c) => c.arch === 'lfm2' || c.arch === 'granite4h')) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});

describe('LFM2 and Granite 4.0-h sensitivity on the GPU replay engine', () => {
  let dir: string;
  let device: GPUDevice;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gpu-lfm2-sensitivity-'));
    device = await createTestDevice();
  });
  afterAll(async () => {
    device?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every KL of the convolution projections and the rest as the CPU engine measures it', async () => {
    const { cpu, gpu } = await measureArchOnBothEngines(device, dir, 'lfm2');
    const conv = cpu.tensors.filter((t) => t.name.includes('shortconv'));
    expect(conv.map((t) => t.name)).toEqual([0, 1, 3].flatMap((l) => [`blk.${l}.shortconv.in_proj.weight`, `blk.${l}.shortconv.out_proj.weight`]));
    expect(conv.every((t) => t.candidates[0]!.measuredKld! > 0), 'a 4-bit convolution projection costs something').toBe(true);
    expect(expectSameTable(gpu, cpu, 'measuredKld')).toBeGreaterThanOrEqual(conv.length);
  }, 600_000);

  it('Granite 4.0-h: every KL of the Mamba-2 projections and the rest as the CPU engine measures it', async () => {
    const { cpu, gpu } = await measureArchOnBothEngines(device, dir, 'granite4h');
    const ssm = cpu.tensors.filter((t) => t.name.includes('.ssm_'));
    expect(ssm.map((t) => t.name)).toEqual([0, 2, 3].flatMap((l) => [`blk.${l}.ssm_in.weight`, `blk.${l}.ssm_out.weight`]));
    expect(ssm.every((t) => t.candidates[0]!.measuredKld! > 0), 'a 4-bit Mamba-2 projection costs something').toBe(true);
    expect(expectSameTable(gpu, cpu, 'measuredKld')).toBeGreaterThanOrEqual(ssm.length);
  }, 600_000);
});
