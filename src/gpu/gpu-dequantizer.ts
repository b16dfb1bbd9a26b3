// ggml's dequantize_row_* on WebGPU for every type the GPU quantizes, bit for bit (the shader
// computes in softfloat: no flushed subnormals, no fused multiply-add). Worker-agnostic.
import type { GpuRowDequantizer } from './row-dequantizer.ts';
import { createKernelRunner, type KernelRunnerOptions } from './kernel-runner.ts';
import { dequantizeRowsOnDevice, dequantizeRowsOnGpu, type DequantizeChunkBuffers } from './gpu-row-jobs.ts';
import { isGpuIqType, isGpuQuantType, type GpuQuantType } from './gpu-types.ts';
import { dequantPipeline, dequantShape } from './dequant-variants.ts';
import { createGpuIqDequantizer } from './iq-gpu-dequantizer.ts';

const OWNER = 'GpuRowDequantizer';

export type GpuRowDequantizerOptions = KernelRunnerOptions;

export function createGpuRowDequantizer(device: GPUDevice, options: GpuRowDequantizerOptions = {}): GpuRowDequantizer {
  const runner = createKernelRunner(device, OWNER, options);
  const iq = createGpuIqDequantizer(device, options);
  const plan = (type: GpuQuantType) => ({
    blockElements: dequantShape(type).blockElems,
    dispatch: (b: DequantizeChunkBuffers) => ({
      pipeline: runner.pipeline(dequantPipeline(type)),
      bindings: { 0: b.input, 1: b.output, 2: b.params },
      units: b.blocks,
    }),
  });
  return {
    supports: (type) => isGpuQuantType(type) || isGpuIqType(type),
    async dequantizeRows(type, bytes, cols, turn) {
      if (isGpuIqType(type)) return iq.dequantizeRows(type, bytes, cols, turn);
      if (!isGpuQuantType(type)) throw new Error(`${OWNER}: type ${type} is not supported on the GPU`);
      return dequantizeRowsOnGpu(runner, `${OWNER}: ${type}`, type, bytes, cols, plan(type), turn);
    },
    async dequantizeRowsOnDevice(type, input, rows, cols, output, turn) {
      if (isGpuIqType(type)) return iq.dequantizeRowsOnDevice!(type, input, rows, cols, output, turn);
      if (!isGpuQuantType(type)) throw new Error(`${OWNER}: type ${type} is not supported on the GPU`);
      return dequantizeRowsOnDevice(runner, `${OWNER}: ${type}`, type, input, rows, cols, output, plan(type), turn);
    },
    dispose() {
      runner.dispose();
      iq.dispose();
    },
  };
}
