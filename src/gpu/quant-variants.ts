// One typed key per quantization pipeline: it yields the WGSL source, the override constants,
// the label and the pipeline-cache key, so the three cannot drift apart.
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { composeWgsl } from './wgsl-compose.ts';
import legacySource from '../../shaders/quant/legacy.wgsl?raw';
import searchQxSource from '../../shaders/quant/search-qx.wgsl?raw';
import searchQkx3Source from '../../shaders/quant/search-qkx3.wgsl?raw';
import q8_0Source from '../../shaders/quant/q8_0.wgsl?raw';
import float16Source from '../../shaders/quant/float16.wgsl?raw';
import rowSigmaSource from '../../shaders/quant/row-sigma.wgsl?raw';
import kquantSearchSource from '../../shaders/quant/kquant-search.wgsl?raw';
import q2KSource from '../../shaders/quant/q2_k.wgsl?raw';
import q3KSource from '../../shaders/quant/q3_k.wgsl?raw';
import q45KSource from '../../shaders/quant/q4_k-q5_k.wgsl?raw';
import q6KSource from '../../shaders/quant/q6_k.wgsl?raw';
import iq4Source from '../../shaders/quant/iq4.wgsl?raw';
import ternarySource from '../../shaders/quant/tq.wgsl?raw';
import mxfp4Source from '../../shaders/quant/mxfp4.wgsl?raw';
import { mxfp4Log2TableWgsl } from './mxfp4-log2-table.ts';

export const GPU_QUANT_TYPES = [
  'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1',
  'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'TQ1_0', 'TQ2_0', 'MXFP4',
] as const;
export type GpuQuantType = (typeof GPU_QUANT_TYPES)[number];

export function isGpuQuantType(type: GgmlTypeName): type is GpuQuantType {
  return (GPU_QUANT_TYPES as readonly string[]).includes(type);
}

type KernelFamily = 'legacy' | 'q8_0' | 'float16' | 'q2_K' | 'q3_K' | 'q4_K-q5_K' | 'q6_K' | 'iq4' | 'ternary' | 'mxfp4';

interface TypeKernel {
  readonly family: KernelFamily;
  /** Override constants of the family's shader for this type. */
  readonly constants: Readonly<Record<string, number>>;
  /** Blocks (or, for float types, elements) one invocation writes: a multiple of 4 bytes. */
  readonly itemsPerUnit: number;
  /** ggml uses the imatrix for this type (the shader has a WEIGHTED override). */
  readonly usesImatrix: boolean;
  /** The imatrix path needs sigma2 over the whole row first (row-sigma.wgsl). */
  readonly rowSigma?: boolean;
}

const TYPE_KERNELS: Record<GpuQuantType, TypeKernel> = {
  F16: { family: 'float16', constants: { BF16: 0 }, itemsPerUnit: 2, usesImatrix: false },
  BF16: { family: 'float16', constants: { BF16: 1 }, itemsPerUnit: 2, usesImatrix: false },
  Q8_0: { family: 'q8_0', constants: {}, itemsPerUnit: 2, usesImatrix: false },
  Q4_0: { family: 'legacy', constants: { QBITS: 4, ASYMMETRIC: 0 }, itemsPerUnit: 2, usesImatrix: true, rowSigma: true },
  Q4_1: { family: 'legacy', constants: { QBITS: 4, ASYMMETRIC: 1 }, itemsPerUnit: 1, usesImatrix: true, rowSigma: true },
  Q5_0: { family: 'legacy', constants: { QBITS: 5, ASYMMETRIC: 0 }, itemsPerUnit: 2, usesImatrix: true, rowSigma: true },
  // Super-blocks: one invocation each; 110-, 210-, 54- and 66-byte blocks go in pairs.
  Q2_K: { family: 'q2_K', constants: {}, itemsPerUnit: 1, usesImatrix: true },
  Q3_K: { family: 'q3_K', constants: {}, itemsPerUnit: 2, usesImatrix: true },
  Q4_K: { family: 'q4_K-q5_K', constants: { QBITS: 4 }, itemsPerUnit: 1, usesImatrix: true },
  Q5_K: { family: 'q4_K-q5_K', constants: { QBITS: 5 }, itemsPerUnit: 1, usesImatrix: true },
  Q6_K: { family: 'q6_K', constants: {}, itemsPerUnit: 2, usesImatrix: true },
  IQ4_NL: { family: 'iq4', constants: { XS: 0 }, itemsPerUnit: 2, usesImatrix: true },
  IQ4_XS: { family: 'iq4', constants: { XS: 1 }, itemsPerUnit: 1, usesImatrix: true },
  TQ1_0: { family: 'ternary', constants: { TQ1: 1 }, itemsPerUnit: 2, usesImatrix: false },
  TQ2_0: { family: 'ternary', constants: { TQ1: 0 }, itemsPerUnit: 2, usesImatrix: false },
  MXFP4: { family: 'mxfp4', constants: {}, itemsPerUnit: 4, usesImatrix: false },
  Q5_1: { family: 'legacy', constants: { QBITS: 5, ASYMMETRIC: 1 }, itemsPerUnit: 1, usesImatrix: true, rowSigma: true },
};

const FAMILY_SOURCES: Record<KernelFamily | 'rowSigma', () => string> = {
  legacy: () => composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], searchQxSource, searchQkx3Source, legacySource),
  q8_0: () => composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], q8_0Source),
  float16: () => composeWgsl(['softfloat', 'quantBindings'], float16Source),
  rowSigma: () => composeWgsl(['softfloat'], rowSigmaSource),
  q2_K: () => kquantSource(q2KSource),
  q3_K: () => kquantSource(q3KSource),
  'q4_K-q5_K': () => kquantSource(q45KSource),
  q6_K: () => kquantSource(q6KSource),
  iq4: () => composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], kquantSearchSource, iq4Source),
  ternary: () => composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], kquantSearchSource, ternarySource),
  mxfp4: () => composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], mxfp4Log2TableWgsl(), mxfp4Source),
};

function kquantSource(kernel: string): string {
  return composeWgsl(['softfloat', 'quantBindings', 'byteWriter'], kquantSearchSource, kernel);
}

export const QUANT_WORKGROUP_SIZE = 64;

export type QuantVariantKey =
  | { readonly kind: 'quantize'; readonly type: GpuQuantType; readonly weighted: boolean }
  | { readonly kind: 'rowSigma' };

export interface QuantVariant {
  readonly moduleKey: KernelFamily | 'rowSigma';
  readonly source: () => string;
  readonly constants: Record<string, number>;
  readonly label: string;
  readonly cacheKey: string;
}

export function typeKernel(type: GpuQuantType): TypeKernel {
  return TYPE_KERNELS[type];
}

/** The key for quantizing `type`; `weighted` only where ggml reads the imatrix. */
export function quantizeVariantKey(type: GpuQuantType, hasImatrix: boolean): QuantVariantKey {
  return { kind: 'quantize', type, weighted: hasImatrix && TYPE_KERNELS[type].usesImatrix };
}

export function quantVariant(key: QuantVariantKey): QuantVariant {
  const wg = { WG_SIZE: QUANT_WORKGROUP_SIZE };
  if (key.kind === 'rowSigma') {
    return { moduleKey: 'rowSigma', source: FAMILY_SOURCES.rowSigma, constants: wg, label: 'QuantPipeline.rowSigma', cacheKey: 'rowSigma' };
  }
  const kernel = TYPE_KERNELS[key.type];
  const constants: Record<string, number> = { ...wg, ...kernel.constants };
  if (kernel.usesImatrix) constants['WEIGHTED'] = key.weighted ? 1 : 0;
  const name = `${key.type}${key.weighted ? '.imatrix' : ''}`;
  return {
    moduleKey: kernel.family,
    source: FAMILY_SOURCES[kernel.family],
    constants,
    label: `QuantPipeline.${name}`,
    cacheKey: `quantize:${name}`,
  };
}
