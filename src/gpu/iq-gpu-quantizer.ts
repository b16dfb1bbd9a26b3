// RowQuantizer on WebGPU for the low-bit i-quants (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S,
// IQ1_M), byte-identical to ggml: sequential softfloat in ggml's order, one invocation per
// super-block (two where a pair keeps the output 4-byte aligned), and the lattice tables of the
// CPU reference (iq-tables.ts) in a storage buffer. Worker-agnostic: it only needs a GPUDevice.
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { quantizerNeedsImatrix } from '../core/ggml-type.ts';
import { requireQuantizerImatrix } from '../core/quant/iq/quantizer-imatrix.ts';
import { createKernelRunner, type KernelRunnerOptions } from './kernel-runner.ts';
import { quantizeRowsOnGpu } from './gpu-row-jobs.ts';
import { createIqTableBuffers } from './iq-table-buffers.ts';
import { iqSearchTable } from './iq-tables.ts';
import { IQ_KERNELS, iqKernelPipeline } from './iq-variants.ts';
import { isGpuIqType } from './gpu-types.ts';

const OWNER = 'GpuIqQuantizer';

export interface GpuIqQuantizer extends RowQuantizer {
  dispose(): void;
}

export type GpuIqQuantizerOptions = KernelRunnerOptions;

export function createGpuIqQuantizer(device: GPUDevice, options: GpuIqQuantizerOptions = {}): GpuIqQuantizer {
  const runner = createKernelRunner(device, OWNER, options);
  const tables = createIqTableBuffers(device, `${OWNER}.table`, ({ grid, maxLevel }) => iqSearchTable(grid, maxLevel));
  return {
    name: 'gpu',
    supports: (type) => isGpuIqType(type),
    async quantizeRows(type, src, cols, imatrix) {
      if (!isGpuIqType(type)) throw new Error(`${OWNER}: type ${type} is not an i-quant this quantizer supports`);
      const kernel = IQ_KERNELS[type];
      if (quantizerNeedsImatrix(type)) requireQuantizerImatrix(type, imatrix);
      const weighted = imatrix !== null;
      return quantizeRowsOnGpu(runner, `${OWNER}: ${type}`, type, src, cols, imatrix, {
        itemsPerUnit: kernel.blocksPerUnit,
        weighted,
        dispatches: (b) => [{
          pipeline: runner.pipeline(iqKernelPipeline(type, weighted)),
          bindings: { 0: b.input, 1: b.importance, 3: b.output, 4: b.params, 5: tables.get(kernel) },
          units: b.units,
        }],
      });
    },
    dispose() {
      runner.dispose();
      tables.destroy();
    },
  };
}
