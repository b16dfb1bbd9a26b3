// A quantized Qwen3-MoE GGUF on the GPU: the stacked expert tensors arrive as their stored bytes
// (Q4_K and Q6_K under Q4_K_M; Q5_0 where a row is too short for K-quants), are uploaded expert by
// expert and run only on their routed rows, and the logits are the CPU forward's on the same file;
// likewise gpt-oss's MXFP4 experts straight from its checkpoint.
// Then the sensitivity pass (Q4_0) on the GPU replay engine against the CPU one on a narrower
// model with a 512-token vocabulary (every replay runs the head, slow on SwiftShader), with
// the stacked expert tensors measured as units (mode 'all'): every KL
// within 2% + 1e-6 nats.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureSensitivity } from '../../src/core/dynamic/measure-sensitivity.ts';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { planWeights, ggufWeights } from '../../src/core/forward/weights.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import { ggufGpuWeights } from '../../src/gpu/forward/gguf-gpu-weights.ts';
import { planGpuWeights } from '../../src/gpu/forward/plan-gpu-weights.ts';
import { createGpuForward, type GpuForward } from '../../src/gpu/forward/gpu-forward.ts';
import { gpuLayerReplay } from '../../src/gpu/forward/gpu-layer-replay.ts';
import { createGpuRowDequantizer } from '../../src/gpu/gpu-dequantizer.ts';
import type { GpuRowDequantizer } from '../../src/gpu/row-dequantizer.ts';
import { NodeFileSource, nodeModelFiles } from '../../src/io/node-files.node.ts';
import { runCliInProcess as cli } from '../helpers/cli-in-process.ts';
import { generateArchModel } from '../helpers/generate-arch-model.ts';
import { Rng } from '../helpers/generate-model.ts';
import { createTestDevice, uncapturedGpuErrors } from '../helpers/gpu-env.ts';
import { cpuForward, logitsCollector, maxLogitDiff } from './forward-compare.ts';

let dir: string;
let device: GPUDevice;
let dequantizer: GpuRowDequantizer;
let gpu: GpuForward;
const folder = () => path.join(dir, 'qwen3moe-tiny-random');
/** Narrower, for the sensitivity pass. Both with a 512-token vocabulary: the families' 152k-201k-row heads were most of the time. */
const narrow = () => path.join(dir, 'qwen3moe-narrow');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gpu-moe-'));
  device = await createTestDevice();
  dequantizer = createGpuRowDequantizer(device);
  gpu = createGpuForward(device, { dequantizer });
  await generateArchModel('qwen3moe', folder(), { seed: 13, hidden: 256, smallVocab: true, experts: { count: 8, used: 2 } });
  await generateArchModel('qwen3moe', narrow(), { seed: 13, hidden: 64, smallVocab: true, experts: { count: 8, used: 2 } });
}, 120_000);

afterAll(async () => {
  gpu?.dispose();
  dequantizer?.dispose();
  device?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sequences = (vocab: number) => {
  const rng = new Rng(17);
  return [11, 6].map((n) => Array.from({ length: n }, () => Math.floor(rng.uniform() * vocab)));
};

describe('Qwen3-MoE on the GPU', () => {
  it('Q4_K_M GGUF: stored expert bytes uploaded per expert, the CPU forward\'s logits', async () => {
    const file = path.join(dir, 'q4_k_m.gguf');
    const r = await cli(['quantize', folder(), '--type', 'Q4_K_M', '--backend', 'cpu', '-o', file]);
    expect(r.code, r.stderr).toBe(0);
    const source = new NodeFileSource('q4_k_m.gguf', file, (await stat(file)).size);
    try {
      const info = await readGgufInfo(source);
      const model = forwardModelFromGguf(info, 'q4_k_m.gguf');
      const expertTypes = new Set([...model.tensors.values()].filter((t) => t.ggufName.includes('_exps')).map((t) => t.type));
      expect([...expertTypes].sort()).toEqual(['Q4_K', 'Q6_K']);
      const weights = await ggufWeights(source, info);
      const seqs = sequences(model.hparams.vocabSize);
      const ref = await cpuForward(model, weights, seqs);
      const { logits, onLogits } = logitsCollector(seqs);
      let decoded = 0;
      await gpu.run(model, weights, { sequences: seqs, onLogits }, { gpuWeights: ggufGpuWeights(source, info), onStats: (s) => { decoded = s.weightBytesDecodedOnGpu; } });
      const diff = maxLogitDiff(logits, ref.logits);
      expect(diff, `max |Δlogit| ${diff}`).toBeLessThan(1e-3);
      expect(decoded, 'the K-quant experts are decoded on the GPU').toBeGreaterThan(0);
      expect(uncapturedGpuErrors).toEqual([]);
    } finally {
      await source.close();
    }
  }, 240_000);

  it('gpt-oss from its checkpoint: the MXFP4 experts uploaded as their blocks and decoded on the GPU, the CPU forward\'s logits', async () => {
    const gptOss = path.join(dir, 'gpt-oss');
    await generateArchModel('gptoss', gptOss, { seed: 13, hidden: 64, smallVocab: true, experts: { count: 16, used: 4 } });
    const files = await nodeModelFiles(gptOss);
    try {
      const plan = await planModel(files);
      const model = forwardModelFromPlan(plan);
      const weights = planWeights(plan, files);
      const seqs = sequences(model.hparams.vocabSize);
      const ref = await cpuForward(model, weights, seqs);
      const { logits, onLogits } = logitsCollector(seqs);
      const stats = { uploaded: 0, decoded: 0 };
      await gpu.run(model, weights, { sequences: seqs, onLogits }, { gpuWeights: planGpuWeights(plan, files), onStats: (s) => { stats.uploaded = s.weightBytesUploaded; stats.decoded = s.weightBytesDecodedOnGpu; } });
      const diff = maxLogitDiff(logits, ref.logits);
      expect(diff, `max |Δlogit| ${diff}`).toBeLessThan(1e-3);
      // Only routed experts, each as 17 bytes a block of 32: at most all 16 experts' blocks of every layer.
      const expertBlocks = plan.tensors.filter((t) => t.storedType === 'MXFP4').reduce((n, t) => n + (t.ne.reduce((a, b) => a * b, 1) / 32) * 17, 0);
      expect(stats.decoded).toBeGreaterThan(0);
      expect(stats.decoded).toBeLessThanOrEqual(expertBlocks);
      expect(uncapturedGpuErrors).toEqual([]);
    } finally {
      await files.close();
    }
  }, 240_000);

  it('a layer that fails halfway reports its own error, not the submission of its released weights', async () => {
    const files = await nodeModelFiles(narrow());
    try {
      const plan = await planModel(files);
      const whole = forwardModelFromPlan(plan);
      const model = { ...whole, tensors: new Map([...whole.tensors].filter(([name]) => name !== 'blk.1.attn_output.weight')) };
      const seqs = sequences(model.hparams.vocabSize);
      await expect(gpu.run(model, planWeights(plan, files), { sequences: seqs, onLogits: () => {} })).rejects.toThrow(/layer 1 has no o weight/);
      // The device is still usable.
      const { logits, onLogits } = logitsCollector(seqs);
      await gpu.run(whole, planWeights(plan, files), { sequences: seqs, onLogits });
      expect(logits.flat().length).toBeGreaterThan(0);
    } finally {
      await files.close();
    }
  }, 120_000);

  it('sensitivity on the GPU replay engine = the CPU one, expert tensors measured as units', async () => {
    const files = await nodeModelFiles(narrow());
    try {
      const plan = await planModel(files);
      const model = forwardModelFromPlan(plan);
      const seqs = sequences(model.hparams.vocabSize).map((s) => s.slice(0, 5));
      const options = {
        plan, model, weights: planWeights(plan, files), quantizer: cpuRowQuantizer, imatrix: null, sequences: seqs,
        candidates: ['Q4_0'] as const, key: { model: 'qwen3moe', calibration: 'c', imatrix: null }, measure: 'all' as const,
      };
      const cpu = await measureSensitivity({ ...options, candidates: [...options.candidates] });
      const onGpu = await measureSensitivity({ ...options, candidates: [...options.candidates], replay: gpuLayerReplay(device) });
      const experts = cpu.tensors.filter((t) => t.role === 'ffn_down_exps');
      expect(experts.map((t) => t.ne)).toEqual([[64, 64, 8], [64, 64, 8]]);
      const compared = new Set<string>();
      for (const t of cpu.tensors) {
        const g = onGpu.tensors.find((u) => u.name === t.name)!;
        for (const c of t.candidates) {
          const d = g.candidates.find((x) => x.type === c.type)!;
          expect(d.basis, `${t.name} ${c.type}`).toBe(c.basis);
          expect(Math.abs(d.kld - c.kld), `${t.name} ${c.type}: GPU ${d.kld}, CPU ${c.kld}`).toBeLessThanOrEqual(0.02 * c.kld + 1e-6);
          if (c.basis === 'measured') compared.add(t.role);
        }
      }
      expect([...compared].filter((r) => r.endsWith('_exps')).sort(), 'expert tensors measured').toEqual(['ffn_down_exps', 'ffn_gate_exps', 'ffn_up_exps']);
      expect(experts.every((t) => t.candidates[0]!.kld > 0)).toBe(true);
      expect(uncapturedGpuErrors).toEqual([]);
    } finally {
      await files.close();
    }
  }, 300_000);
});
