// RowQuantizer on WebGPU: byte-identical to ggml's reference quantizers because every float
// operation that decides a byte runs in the integer softfloat of shaders/common/softfloat.wgsl.
// Worker-agnostic: it only needs a GPUDevice (see device.ts). This module holds the facts of the
// block kernels; the row loop and the GPU plumbing are gpu-row-jobs.ts and kernel-runner.ts.
import { createGpuIqQuantizer } from './iq-gpu-quantizer.ts';
import { isGpuIqType } from './gpu-types.ts';
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { createKernelRunner, type KernelDispatch, type KernelRunner, type KernelRunnerOptions } from './kernel-runner.ts';
import { quantizeRowsOnGpu, type QuantizeKernelPlan } from './gpu-row-jobs.ts';
import { quantizeVariantKey, quantVariant, typeKernel } from './quant-variants.ts';
import { isGpuQuantType, type GpuQuantType } from './gpu-types.ts';

const OWNER = 'GpuRowQuantizer';

export interface GpuRowQuantizer extends RowQuantizer {
  /** Frees the buffers this quantizer holds (the device stays with its owner). */
  dispose(): void;
}

export type GpuRowQuantizerOptions = KernelRunnerOptions;

function blockKernelPlan(runner: KernelRunner, type: GpuQuantType, hasImatrix: boolean): QuantizeKernelPlan {
  const kernel = typeKernel(type);
  const key = quantizeVariantKey(type, hasImatrix);
  const { weighted } = key;
  return {
    itemsPerUnit: kernel.itemsPerUnit,
    weighted,
    dispatches(b) {
      const quantize: KernelDispatch = {
        pipeline: runner.pipeline(quantVariant(key)),
        bindings: { 0: b.input, 1: b.importance, 2: b.rowSigma2, 3: b.output, 4: b.params },
        units: b.units,
      };
      if (!weighted || !kernel.rowSigma) return [quantize];
      // q4_0..q5_1 weight by the row's mean square: a first pass over whole rows.
      const rowSigma: KernelDispatch = {
        pipeline: runner.pipeline(quantVariant({ kind: 'rowSigma' })),
        bindings: { 0: b.input, 1: b.rowSigma2, 2: b.params },
        units: b.rows,
      };
      return [rowSigma, quantize];
    },
  };
}

export function createGpuRowQuantizer(device: GPUDevice, options: GpuRowQuantizerOptions = {}): GpuRowQuantizer {
  const runner = createKernelRunner(device, OWNER, options);
  // The low-bit i-quants need lattice tables bound as well: their own module, same runner design.
  const iq = createGpuIqQuantizer(device, options);
  return {
    name: 'gpu',
    supports: (type) => isGpuQuantType(type) || isGpuIqType(type),
    async quantizeRows(type, src, cols, imatrix) {
      if (isGpuIqType(type)) return iq.quantizeRows(type, src, cols, imatrix);
      if (!isGpuQuantType(type)) throw new Error(`${OWNER}: type ${type} is not supported on the GPU`);
      return quantizeRowsOnGpu(runner, `${OWNER}: ${type}`, type, src, cols, imatrix, blockKernelPlan(runner, type, imatrix !== null));
    },
    dispose() {
      runner.dispose();
      iq.dispose();
    },
  };
}
