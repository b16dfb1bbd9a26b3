// The GPU path against the CPU path on the same whole model: every type the WebGPU quantizer
// supports, through the CLI's two backends, must give the same file. (On this machine WebGPU is
// SwiftShader; the kernels' exactness comes from integer-emulated float arithmetic, not from it.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { MIX_NAMES, MIXES, type MixName } from '../../src/core/recipe/llama-mixes.ts';
import { runCli } from '../helpers/cli.ts';
import { describeGgufDifference } from '../helpers/compare-gguf.ts';
import { generateLlamaModel } from '../helpers/generate-model.ts';
import { randomImatrix, writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { STORIES260K } from '../helpers/paths.ts';

const SHAPE = { hidden: 256, intermediate: 256, layers: 1, heads: 4, kvHeads: 2, vocab: 512 };
let work: string;
let modelDir: string;
let imatrixPath: string;
let gpuTypes: GgmlTypeName[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'gpu-vs-cpu-'));
  modelDir = path.join(work, 'model');
  await generateLlamaModel(modelDir, SHAPE, { dtype: 'BF16', rows: 'varied', seed: 31, tokenizerFrom: STORIES260K });
  const columns = new Map<string, number>();
  for (const t of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down']) columns.set(`blk.0.${t}.weight`, 256);
  imatrixPath = path.join(work, 'im.gguf');
  await writeImatrixGguf(imatrixPath, randomImatrix(columns, 3), { dataset: 'random', chunkCount: 1, chunkSize: 512 });
  const device = await createTestDevice();
  try {
    const { createGpuRowQuantizer } = await import('../../src/gpu/gpu-quantizer.ts');
    const q = createGpuRowQuantizer(device);
    gpuTypes = MIX_NAMES.map((m) => MIXES[m].defaultType).filter((t, i, all) => all.indexOf(t) === i && q.supports(t));
  } finally {
    device.destroy();
  }
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const mixFor = (type: GgmlTypeName): MixName => MIX_NAMES.find((m) => MIXES[m].defaultType === type)!;

async function compare(type: GgmlTypeName, withImatrix: boolean): Promise<void> {
  const args = ['quantize', modelDir, '--type', mixFor(type), '--pure', '--output-tensor-type', type, '--token-embedding-type', type, ...(withImatrix ? ['--imatrix', imatrixPath] : [])];
  const cpu = path.join(work, `${type}-${withImatrix}-cpu.gguf`);
  const gpu = path.join(work, `${type}-${withImatrix}-gpu.gguf`);
  const a = await runCli([...args, '--backend', 'cpu', '-o', cpu]);
  const b = await runCli([...args, '--backend', 'gpu', '-o', gpu]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  expect(await describeGgufDifference(gpu, cpu), `${type} GPU vs CPU`).toBeNull();
}

describe('GPU and CPU paths give identical files', () => {
  it('the GPU supports at least the foundation types', () => {
    expect(gpuTypes).toEqual(expect.arrayContaining(['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1']));
  });
  it('for every type the GPU supports, without and with an imatrix', async () => {
    for (const type of gpuTypes) {
      await compare(type, false);
      await compare(type, true);
    }
  }, 1_800_000);
});
