// ggml's dequantize_row_* on WebGPU for every type the GPU quantizes, bit for bit (the shader
// computes in softfloat: no flushed subnormals, no fused multiply-add). Worker-agnostic.
import type { GpuRowDequantizer } from './row-dequantizer.ts';
import { createKernelRunner, type KernelRunnerOptions } from './kernel-runner.ts';
import { dequantizeRowsOnGpu } from './gpu-row-jobs.ts';
import { kernelPipeline } from './pipeline-cache.ts';
import { isGpuQuantType, QUANT_WORKGROUP_SIZE } from './quant-variants.ts';
import { dequantPipeline, dequantShape } from './dequant-variants.ts';
import { createGpuIqDequantizer } from './iq-gpu-dequantizer.ts';
import { isGpuIqType } from './iq-variants.ts';

export type { GpuRowDequantizer };

const OWNER = 'GpuRowDequantizer';

export type GpuRowDequantizerOptions = KernelRunnerOptions;

export function createGpuRowDequantizer(device: GPUDevice, options: GpuRowDequantizerOptions = {}): GpuRowDequantizer {
  const runner = createKernelRunner(device, OWNER, options);
  const iq = createGpuIqDequantizer(device, options);
  return {
    supports: (type) => isGpuQuantType(type) || isGpuIqType(type),
    async dequantizeRows(type, bytes, cols, turn) {
      if (isGpuIqType(type)) return iq.dequantizeRows(type, bytes, cols, turn);
      if (!isGpuQuantType(type)) throw new Error(`${OWNER}: type ${type} is not supported on the GPU`);
      return dequantizeRowsOnGpu(runner, `${OWNER}: ${type}`, type, bytes, cols, {
        blockElements: dequantShape(type).blockElems,
        dispatch: (b) => ({
          pipeline: kernelPipeline(device, dequantPipeline(type, QUANT_WORKGROUP_SIZE)),
          bindings: { 0: b.input, 1: b.output, 2: b.params },
          units: b.blocks,
        }),
      }, turn);
    },
    dispose() {
      runner.dispose();
      iq.dispose();
    },
  };
}
