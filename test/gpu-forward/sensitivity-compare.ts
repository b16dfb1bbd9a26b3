// The GPU replay engine's sensitivity table against the CPU engine's, shared by the tests that
// measure both (gpu-sensitivity, gpu-forward-archs-phi, gpu-forward-archs-lfm2).
import path from 'node:path';
import { expect } from 'vitest';
import { measureSensitivity } from '../../src/core/dynamic/measure-sensitivity.ts';
import type { SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import { gpuLayerReplay } from '../../src/gpu/forward/gpu-layer-replay.ts';
import { generateArchModel, type ArchName } from '../helpers/generate-arch-model.ts';
import { Rng } from '../helpers/generate-model.ts';
import { openPlannedModel } from '../helpers/planned-model.ts';

/**
 * Every figure of `field` within 2% + 1e-6 nats of the CPU's: the GPU's logits differ from the
 * CPU's by f32 rounding in another order, and a near-lossless type (Q8_0) moves the KL by a few
 * 1e-6 nats, the size of that noise in f32 log-probabilities (seen: 4% of 3e-6).
 */
export function expectSameTable(gpu: SensitivityTable, cpu: SensitivityTable, field: 'measuredKld' | 'estimatedKld'): number {
  expect(gpu.positions).toBe(cpu.positions);
  expect(gpu.tensors.map((t) => t.name)).toEqual(cpu.tensors.map((t) => t.name));
  const off: string[] = [];
  let compared = 0;
  let worstLarge = 0;
  let worstSmall = 0;
  gpu.tensors.forEach((t, i) => t.candidates.forEach((c, j) => {
    const want = cpu.tensors[i]!.candidates[j]![field];
    expect(c[field] === undefined, `${t.name} ${c.type} ${field}`).toBe(want === undefined);
    if (want === undefined) return;
    const diff = Math.abs(c[field]! - want);
    if (want >= 1e-4) worstLarge = Math.max(worstLarge, diff / want);
    else worstSmall = Math.max(worstSmall, diff);
    if (diff > 0.02 * want + 1e-6) off.push(`${t.name} ${c.type}: GPU ${c[field]} vs CPU ${want}`);
    compared++;
  }));
  console.log(`${field}: ${compared} compared; largest relative difference where the KL is >= 1e-4: ${worstLarge.toExponential(2)}, largest absolute below: ${worstSmall.toExponential(2)} nats`);
  expect(off, `${field} off by more than 2% + 1e-6`).toEqual([]);
  return compared;
}


/**
 * A generated `arch` model, 32 wide and with a 512-token vocabulary (the GPU replay's output head
 * over a real one is most of the time on SwiftShader: 94 s of 97 for a 152k-token Qwen3-MoE),
 * measured at Q4_0 on every tensor by the CPU and the GPU replay engines over two short sequences
 * of ids: both tables.
 */
export async function measureArchOnBothEngines(device: GPUDevice, dir: string, arch: ArchName): Promise<{ cpu: SensitivityTable; gpu: SensitivityTable }> {
  const folder = path.join(dir, `${arch}-tiny-random`);
  await generateArchModel(arch, folder, { seed: 4, scale: 0.2, hidden: 32, smallVocab: true });
  const { files, plan, model, weights } = await openPlannedModel(folder);
  try {
    const rng = new Rng(8);
    const sequences = [6, 5].map((n) => Array.from({ length: n }, () => Math.floor(rng.uniform() * model.hparams.vocabSize)));
    const options = {
      plan, model, weights, quantizer: cpuRowQuantizer, imatrix: null, sequences, measure: 'all' as const,
      candidates: ['Q4_0' as const], key: { model: arch, calibration: 'c', imatrix: null },
    };
    const cpu = await measureSensitivity(options);
    return { cpu, gpu: await measureSensitivity({ ...options, replay: gpuLayerReplay(device) }) };
  } finally {
    await files.close();
  }
}
