// The GPU replay engine's sensitivity table against the CPU engine's, shared by the tests that
// measure both (gpu-sensitivity, gpu-forward-archs-phi).
import { expect } from 'vitest';
import type { SensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';

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

