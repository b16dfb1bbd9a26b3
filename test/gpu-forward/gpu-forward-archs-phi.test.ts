// Phi-4-mini on the GPU against the CPU reference, on a generated model: attn_qkv and the gate|up
// ffn_up run as one matmul per projection over their parts (their inputs recorded once), a
// quarter of each head unrotated, LongRoPE's factors and attention factor in the rope tables.
// The sensitivity replay perturbs a fused tensor whole, on the GPU as on the CPU.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { ARCH_CASES, archCaseName, useArchComparison } from './arch-comparison.ts';
import { expectSameTable, measureArchOnBothEngines } from './sensitivity-compare.ts';

const compareArch = useArchComparison();

describe('GPU forward vs the CPU reference on generated models', () => {
  for (const c of ARCH_CASES.filter((c) => c.arch === 'phi4mini')) {
    it(archCaseName(c), async () => expect(await compareArch(c)).toEqual([]));
  }
});

describe('Phi-4-mini sensitivity on the GPU replay engine', () => {
  let dir: string;
  let device: GPUDevice;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gpu-phi-sensitivity-'));
    device = await createTestDevice();
  });
  afterAll(async () => {
    device?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every KL of the fused tensors and the rest as the CPU engine measures it', async () => {
    const { cpu, gpu } = await measureArchOnBothEngines(device, dir, 'phi4mini');
    const fused = cpu.tensors.filter((t) => t.name.endsWith('attn_qkv.weight') || t.name.endsWith('ffn_up.weight'));
    expect(fused.map((t) => t.name)).toEqual(['blk.0.attn_qkv.weight', 'blk.0.ffn_up.weight', 'blk.1.attn_qkv.weight', 'blk.1.ffn_up.weight']);
    expect(fused.every((t) => t.candidates[0]!.measuredKld! > 0), 'a 4-bit fused tensor costs something').toBe(true);
    expect(expectSameTable(gpu, cpu, 'measuredKld')).toBeGreaterThanOrEqual(9);
  }, 600_000);
});
