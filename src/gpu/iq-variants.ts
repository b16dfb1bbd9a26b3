// The low-bit i-quant kernels: which shader, grid and override constants each type uses. A kernel
// is the shared parts, kquant-search.wgsl (make_qp_quants for IQ2_XXS), iq-search.wgsl and the
// type's own file, which defines quantize_block for byte-writer.wgsl's entry point.
import { quantizerNeedsImatrix } from '../core/ggml-type.ts';
import type { LowBitIqType } from '../core/quant/iq/iq-tables.ts';
import type { IqGridName } from '../core/quant/iq/iq-grids.ts';
import { composeWgsl } from './wgsl-compose.ts';
import kquantSearchSource from '../../shaders/quant/kquant-search.wgsl?raw';
import iqSearchSource from '../../shaders/quant/iq-search.wgsl?raw';
import iq1CommonSource from '../../shaders/quant/iq1-common.wgsl?raw';
import iq2XxsSource from '../../shaders/quant/iq2_xxs.wgsl?raw';
import iq2XsSource from '../../shaders/quant/iq2_xs.wgsl?raw';
import iq2SSource from '../../shaders/quant/iq2_s.wgsl?raw';
import iq3XxsSource from '../../shaders/quant/iq3_xxs.wgsl?raw';
import iq3SSource from '../../shaders/quant/iq3_s.wgsl?raw';
import iq1SSource from '../../shaders/quant/iq1_s.wgsl?raw';
import iq1MSource from '../../shaders/quant/iq1_m.wgsl?raw';

export const GPU_IQ_TYPES = ['IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M'] as const satisfies readonly LowBitIqType[];
export type GpuIqType = (typeof GPU_IQ_TYPES)[number];

export function isGpuIqType(type: string): type is GpuIqType {
  return (GPU_IQ_TYPES as readonly string[]).includes(type);
}

export interface IqKernel {
  readonly source: string;
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
  IQ2_XXS: { source: iq2XxsSource, grid: 'iq2xxs', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ2_XS: { source: iq2XsSource, grid: 'iq2xs', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ2_S: { source: iq2SSource, grid: 'iq2s', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ3_XXS: { source: iq3XxsSource, grid: 'iq3xxs', maxLevel: 7, blocksPerUnit: 2, constants: IQ3 },
  IQ3_S: { source: iq3SSource, grid: 'iq3s', maxLevel: 7, blocksPerUnit: 2, constants: IQ3 },
  IQ1_S: { source: iq1SSource, grid: 'iq1s', maxLevel: 2, blocksPerUnit: 2, constants: IQ2 },
  IQ1_M: { source: iq1MSource, grid: 'iq1s', maxLevel: 2, blocksPerUnit: 1, constants: IQ2 },
};

export function iqKernelSource(type: GpuIqType): string {
  const kernel = IQ_KERNELS[type];
  const iq1 = kernel.grid === 'iq1s' ? [iq1CommonSource] : [];
  return composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], kquantSearchSource, iqSearchSource, ...iq1, kernel.source);
}

/** Override constants of the type's pipeline (WEIGHTED only where the shader declares it). */
export function iqKernelConstants(type: GpuIqType, weighted: boolean, workgroupSize: number): Record<string, number> {
  const kernel = IQ_KERNELS[type];
  const constants: Record<string, number> = { WG_SIZE: workgroupSize, ...kernel.constants };
  // A type the quantizer runs only with an imatrix has no WEIGHTED override.
  if (!quantizerNeedsImatrix(type)) constants['WEIGHTED'] = weighted ? 1 : 0;
  return constants;
}
