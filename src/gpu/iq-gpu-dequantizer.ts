// dequantize_row_* on WebGPU for the low-bit i-quants, bit for bit as the CPU reference
// (core/quant/iq/iq-dequantize.ts); same interface (row-dequantizer.ts) as gpu-dequantizer.ts.
import { GGML_TYPES } from '../core/ggml-type.ts';
import type { GpuRowDequantizer } from './row-dequantizer.ts';
import { createKernelRunner, type KernelRunnerOptions } from './kernel-runner.ts';
import { dequantizeRowsOnGpu } from './gpu-row-jobs.ts';
import { kernelPipeline, type KernelPipelineSpec } from './pipeline-cache.ts';
import { createIqTableBuffers } from './iq-table-buffers.ts';
import { iqValueTable } from './iq-tables.ts';
import { QUANT_WORKGROUP_SIZE } from './quant-variants.ts';
import { GPU_IQ_TYPES, IQ_KERNELS, isGpuIqType, type GpuIqType } from './iq-variants.ts';
import { composeWgsl } from './wgsl-modules.ts';
import { wgslTypeId } from './wgsl-type-ids.ts';

const OWNER = 'GpuIqDequantizer';
const PATH = 'quant/iq-dequant.wgsl';

export type GpuIqDequantizer = GpuRowDequantizer;

function iqDequantPipeline(type: GpuIqType): KernelPipelineSpec {
  return {
    label: `${OWNER}.pipeline.${type}`,
    moduleKey: PATH,
    source: () => composeWgsl(PATH),
    // TYPE is the type's place in the list the kernel's IQD_* constants are generated from.
    constants: { WG_SIZE: QUANT_WORKGROUP_SIZE, TYPE: wgslTypeId(GPU_IQ_TYPES, type), BLOCK_BYTES: GGML_TYPES[type].typeSize },
    // dequant-bindings.wgsl's slots plus the grid values.
    layout: { 0: 'read-only-storage', 1: 'storage', 2: 'uniform', 3: 'read-only-storage' },
  };
}

export function createGpuIqDequantizer(device: GPUDevice, options: KernelRunnerOptions = {}): GpuIqDequantizer {
  const runner = createKernelRunner(device, OWNER, options);
  const tables = createIqTableBuffers(device, `${OWNER}.gridValues`, ({ grid }) => iqValueTable(grid));
  return {
    supports: (type) => isGpuIqType(type),
    async dequantizeRows(type, bytes, cols, turn) {
      if (!isGpuIqType(type)) throw new Error(`${OWNER}: type ${type} is not an i-quant this dequantizer supports`);
      return dequantizeRowsOnGpu(runner, `${OWNER}: ${type}`, type, bytes, cols, {
        blockElements: GGML_TYPES[type].blockSize,
        dispatch: (b) => ({
          pipeline: kernelPipeline(device, iqDequantPipeline(type)),
          bindings: { 0: b.input, 1: b.output, 2: b.params, 3: tables.get(IQ_KERNELS[type]) },
          units: b.blocks,
        }),
      }, turn);
    },
    dispose() {
      runner.dispose();
      tables.destroy();
    },
  };
}
