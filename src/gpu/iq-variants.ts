// The low-bit i-quant kernels: which shader, grid and override constants each type uses. Each
// type's file includes iq-search.wgsl (and kquant-search.wgsl for IQ2_XXS's make_qp_quants,
// iq1-common.wgsl for IQ1_*) and defines quantize_block for byte-writer.wgsl's entry point.
import { GGML_TYPES, quantizerNeedsImatrix } from '../core/ggml-type.ts';
import type { IqGridName } from '../core/quant/iq/iq-grids.ts';
import type { KernelBindings, KernelPipelineSpec } from './pipeline-cache.ts';
import { composeWgsl } from './wgsl-modules.ts';
import { GPU_IQ_TYPES, type GpuIqType } from './gpu-types.ts';
import { DEQUANT_BINDINGS } from './dequant-variants.ts';
import { QUANTIZE_BINDINGS } from './quant-variants.ts';
import { wgslTypeId } from './wgsl-type-ids.ts';


export interface IqKernel {
  /** The type's kernel file under shaders/. */
  readonly path: string;
  readonly grid: IqGridName;
  /** kMaxQ-1: the highest level the quantizer assigns (neighbour lists are built up to it). */
  readonly maxLevel: number;
  /** Super-blocks one invocation writes (a multiple of 4 bytes). */
  readonly blocksPerUnit: number;
  readonly constants: Readonly<Record<string, number>>;
}

const IQ2 = { IQ_DIM: 8, IQ_BITS: 2, IQ_MAX_LEVEL: 2 };
const IQ3 = { IQ_DIM: 4, IQ_BITS: 3, IQ_MAX_LEVEL: 7 };

export const IQ_KERNELS: Record<GpuIqType, IqKernel> = {
  IQ2_XXS: { path: 'quant/iq2_xxs.wgsl', grid: 'iq2xxs', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ2_XS: { path: 'quant/iq2_xs.wgsl', grid: 'iq2xs', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ2_S: { path: 'quant/iq2_s.wgsl', grid: 'iq2s', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ3_XXS: { path: 'quant/iq3_xxs.wgsl', grid: 'iq3xxs', maxLevel: 7, blocksPerUnit: 2, constants: IQ3 },
  IQ3_S: { path: 'quant/iq3_s.wgsl', grid: 'iq3s', maxLevel: 7, blocksPerUnit: 2, constants: IQ3 },
  IQ1_S: { path: 'quant/iq1_s.wgsl', grid: 'iq1s', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ1_M: { path: 'quant/iq1_m.wgsl', grid: 'iq1s', maxLevel: 2, blocksPerUnit: 1, constants: IQ2 },
};

// quant-bindings.wgsl's slots without row_sigma2 (unused here), plus iq-search.wgsl's table.
const { 2: _rowSigma2, ...QUANT_SLOTS_WITHOUT_ROW_SIGMA } = QUANTIZE_BINDINGS;
const IQ_QUANTIZE_BINDINGS: KernelBindings = { ...QUANT_SLOTS_WITHOUT_ROW_SIGMA, 5: 'read-only-storage' };
/** dequant-bindings.wgsl's slots plus the grid values. */
const IQ_DEQUANT_BINDINGS: KernelBindings = { ...DEQUANT_BINDINGS, 3: 'read-only-storage' };
const IQ_DEQUANT_PATH = 'quant/iq-dequant.wgsl';

/** The pipeline of `type` (WEIGHTED only where the shader declares it). */
export function iqKernelPipeline(type: GpuIqType, weighted: boolean): KernelPipelineSpec {
  const kernel = IQ_KERNELS[type];
  const constants: Record<string, number> = { ...kernel.constants };
  // A type the quantizer runs only with an imatrix has no WEIGHTED override.
  if (!quantizerNeedsImatrix(type)) constants['WEIGHTED'] = weighted ? 1 : 0;
  return {
    label: `GpuIqQuantizer.pipeline.${type}${weighted ? '.imatrix' : ''}`,
    moduleKey: kernel.path,
    source: () => composeWgsl(kernel.path),
    constants,
    layout: IQ_QUANTIZE_BINDINGS,
  };
}

/** The dequantize pipeline of `type`: one kernel for every i-quant, told apart by TYPE. */
export function iqDequantPipeline(type: GpuIqType): KernelPipelineSpec {
  return {
    label: `GpuIqDequantizer.pipeline.${type}`,
    moduleKey: IQ_DEQUANT_PATH,
    source: () => composeWgsl(IQ_DEQUANT_PATH),
    // TYPE is the type's place in the list the kernel's IQD_* constants are generated from.
    constants: { TYPE: wgslTypeId(GPU_IQ_TYPES, type), BLOCK_BYTES: GGML_TYPES[type].typeSize },
    layout: IQ_DEQUANT_BINDINGS,
  };
}
