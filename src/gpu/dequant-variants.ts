// The pipelines of shaders/quant/dequant.wgsl: which decoder (its TYPE id comes from the same
// list as the kernel's generated DQ_* constants) and the block shape one invocation handles
// (F16/BF16 decode one element per invocation).
import { GGML_TYPES } from '../core/ggml-type.ts';
import type { KernelBindings, KernelPipelineSpec } from './pipeline-cache.ts';
import { GPU_QUANT_TYPES, type GpuQuantType } from './gpu-types.ts';
import { composeWgsl } from './wgsl-modules.ts';
import { wgslTypeId } from './wgsl-type-ids.ts';

/** dequant-bindings.wgsl's slots: qsrc, qdst, dparams. */
export const DEQUANT_BINDINGS: KernelBindings = { 0: 'read-only-storage', 1: 'storage', 2: 'uniform' };

export interface DequantShape {
  readonly constants: Record<string, number>;
  /** Elements one invocation writes. */
  readonly blockElems: number;
  readonly blockBytes: number;
}

export function dequantShape(type: GpuQuantType): DequantShape {
  const { blockSize: blockElems, typeSize: blockBytes } = GGML_TYPES[type];
  return {
    constants: { TYPE: wgslTypeId(GPU_QUANT_TYPES, type), BLOCK_BYTES: blockBytes, BLOCK_ELEMS: blockElems },
    blockElems,
    blockBytes,
  };
}

export function dequantPipeline(type: GpuQuantType): KernelPipelineSpec {
  const path = 'quant/dequant.wgsl';
  return {
    label: `GpuRowDequantizer.pipeline.${type}`,
    moduleKey: path,
    source: () => composeWgsl(path),
    constants: dequantShape(type).constants,
    layout: DEQUANT_BINDINGS,
  };
}
