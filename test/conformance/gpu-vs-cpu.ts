// The GPU path against the CPU path on the same whole file: for every type the WebGPU quantizer
// supports, a model exported with the GPU quantizer must equal the CPU export byte for byte.
// In-process with one device, so each kernel compiles once. Here WebGPU is SwiftShader, a CPU
// emulation where the softfloat kernels run slowly: each type goes into the K projection of a
// one-layer model (the rest F16): 64 rows of 256, which hold each of fillVariedRow's row kinds
// (outliers, zero rows, single spikes, tiny and huge scales…) six times over, and go through the
// export's tensor loop, blocks and imatrix like any other tensor. The types are split over two
// test files (gpu-vs-cpu-*.test.ts), which hold the assertions, so that both workers share them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ByteSink } from '../../src/core/bytes-io.ts';
import { exportGguf } from '../../src/core/export/export-gguf.ts';
import { GGML_TYPE_NAMES, quantizerNeedsImatrix, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import type { ImportanceMatrix } from '../../src/core/imatrix/imatrix-types.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../src/core/model/plan-types.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import type { RowQuantizer } from '../../src/core/quant/row-quantizer.ts';
import { chooseMixTypes } from '../../src/core/recipe/llama-mixes.ts';
import { nodeModelFiles, type NodeModelFiles } from '../../src/io/node-files.node.ts';
import { createGpuRowQuantizer, type GpuRowQuantizer } from '../../src/gpu/gpu-quantizer.ts';
import { generateLlamaModel, Rng } from '../helpers/generate-model.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { STORIES260K } from '../helpers/paths.ts';

const SHAPE = { hidden: 256, intermediate: 256, layers: 1, heads: 4, kvHeads: 1, vocab: 512 };

/** The types the CPU quantizer writes (F32 aside, which is a copy): each test file takes some of them. */
export const COMPARED_TYPES = GGML_TYPE_NAMES.filter((t) => t !== 'F32' && cpuRowQuantizer.supports(t));

function memorySink(): ByteSink & { bytes(): Buffer } {
  const parts: Uint8Array[] = [];
  return {
    async write(chunk) {
      parts.push(chunk.slice());
    },
    async close() {},
    async abort() {},
    bytes: () => Buffer.concat(parts),
  };
}

export interface GpuVsCpu {
  /** Whether the GPU quantizer has a kernel for each of `types`: the ones it lacks. */
  unsupported(types: readonly GgmlTypeName[]): GgmlTypeName[];
  /** Exports with `type` on both paths, with and (where ggml allows) without the imatrix: the variants whose files differ. */
  differences(type: GgmlTypeName): Promise<string[]>;
}

/** Registers the generated model, the device and the quantizers for the calling test file. */
export function useGpuVsCpu(): GpuVsCpu {
  let work: string;
  let files: NodeModelFiles;
  let plan: ModelPlan;
  let device: GPUDevice;
  let gpu: GpuRowQuantizer;
  let imatrix: ImportanceMatrix['entries'];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gpu-vs-cpu-'));
    await generateLlamaModel(work, SHAPE, { dtype: 'BF16', rows: 'varied', seed: 31, tokenizerFrom: STORIES260K });
    files = await nodeModelFiles(work);
    plan = await planModel(files);
    const rng = new Rng(3);
    imatrix = new Map(plan.tensors.filter((t) => t.quantizable).map((t) => [t.ggufName, new Float32Array(t.ne[0]!).map(() => Math.exp(rng.gaussian()))]));
    device = await createTestDevice();
    gpu = createGpuRowQuantizer(device);
  }, 600_000);

  afterAll(async () => {
    gpu?.dispose();
    device?.destroy();
    await files?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function exportWith(quantizer: RowQuantizer, type: GgmlTypeName, withImatrix: boolean): Promise<Buffer> {
    const types = chooseMixTypes(plan, { mix: 'F16', hasImatrix: withImatrix });
    types.set('blk.0.attn_k.weight', type);
    const sink = memorySink();
    await exportGguf({ plan, types, files, quantizer, sink, imatrix: withImatrix ? imatrix : null });
    return sink.bytes();
  }

  return {
    unsupported: (types) => types.filter((t) => !gpu.supports(t)),
    async differences(type) {
      const out: string[] = [];
      for (const withImatrix of quantizerNeedsImatrix(type) ? [true] : [false, true]) {
        const [ours, reference] = [await exportWith(gpu, type, withImatrix), await exportWith(cpuRowQuantizer, type, withImatrix)];
        if (Buffer.compare(ours, reference) !== 0) out.push(`${type}${withImatrix ? ' with imatrix' : ''}: the GPU file differs from the CPU file`);
      }
      return out;
    },
  };
}
