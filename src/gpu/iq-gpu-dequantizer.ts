// dequantize_row_* on WebGPU for the low-bit i-quants, bit for bit as the CPU reference
// (core/quant/iq/iq-dequantize.ts); same interface (row-dequantizer.ts) as gpu-dequantizer.ts.
import { GGML_TYPES } from '../core/ggml-type.ts';
import type { GpuRowDequantizer } from './row-dequantizer.ts';
import { createKernelRunner, type KernelRunnerOptions } from './kernel-runner.ts';
import { dequantizeRowsOnDevice, dequantizeRowsOnGpu, type DequantizeChunkBuffers } from './gpu-row-jobs.ts';
import { createIqTableBuffers } from './iq-table-buffers.ts';
import { iqValueTable } from './iq-tables.ts';
import { IQ_KERNELS, iqDequantPipeline } from './iq-variants.ts';
import { isGpuIqType, type GpuIqType } from './gpu-types.ts';

const OWNER = 'GpuIqDequantizer';

export type GpuIqDequantizer = GpuRowDequantizer;

export function createGpuIqDequantizer(device: GPUDevice, options: KernelRunnerOptions = {}): GpuIqDequantizer {
  const runner = createKernelRunner(device, OWNER, options);
  const tables = createIqTableBuffers(device, `${OWNER}.gridValues`, ({ grid }) => iqValueTable(grid));
  const plan = (type: GpuIqType) => ({
    blockElements: GGML_TYPES[type].blockSize,
    dispatch: (b: DequantizeChunkBuffers) => ({
      pipeline: runner.pipeline(iqDequantPipeline(type)),
      bindings: { 0: b.input, 1: b.output, 2: b.params, 3: tables.get(IQ_KERNELS[type]) },
      units: b.blocks,
    }),
  });
  return {
    supports: (type) => isGpuIqType(type),
    async dequantizeRows(type, bytes, cols, turn) {
      if (!isGpuIqType(type)) throw new Error(`${OWNER}: type ${type} is not an i-quant this dequantizer supports`);
      return dequantizeRowsOnGpu(runner, `${OWNER}: ${type}`, type, bytes, cols, plan(type), turn);
    },
    async dequantizeRowsOnDevice(type, input, rows, cols, output, turn) {
      if (!isGpuIqType(type)) throw new Error(`${OWNER}: type ${type} is not an i-quant this dequantizer supports`);
      return dequantizeRowsOnDevice(runner, `${OWNER}: ${type}`, type, input, rows, cols, output, plan(type), turn);
    },
    dispose() {
      runner.dispose();
      tables.destroy();
    },
  };
}
