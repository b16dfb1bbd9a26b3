// The block quantization kernels: which shader family and override constants each type uses,
// and one typed key per pipeline that yields its source, constants, label and binding layout.
import { GGML_TYPES } from '../core/ggml-type.ts';
import { composeWgsl } from './wgsl-modules.ts';
import type { KernelBindings, KernelPipelineSpec } from './pipeline-cache.ts';
import type { GpuQuantType } from './gpu-types.ts';

type KernelFamily = 'legacy' | 'q8_0' | 'float16' | 'q2_K' | 'q3_K' | 'q4_K-q5_K' | 'q6_K' | 'iq4' | 'ternary' | 'mxfp4' | 'nvfp4' | 'lowBit';

interface TypeKernel {
  readonly family: KernelFamily;
  /** Override constants of the family's shader for this type. */
  readonly constants: Readonly<Record<string, number>>;
  /** Blocks (or, for float types, elements) one invocation writes: a multiple of 4 bytes. */
  readonly itemsPerUnit: number;
  /** The imatrix path needs sigma2 over the whole row first (row-sigma.wgsl). */
  readonly rowSigma?: boolean;
}

const TYPE_KERNELS: Record<GpuQuantType, TypeKernel> = {
  F16: { family: 'float16', constants: { BF16: 0 }, itemsPerUnit: 2 },
  BF16: { family: 'float16', constants: { BF16: 1 }, itemsPerUnit: 2 },
  Q8_0: { family: 'q8_0', constants: {}, itemsPerUnit: 2 },
  Q4_0: { family: 'legacy', constants: { QBITS: 4, ASYMMETRIC: 0 }, itemsPerUnit: 2, rowSigma: true },
  Q4_1: { family: 'legacy', constants: { QBITS: 4, ASYMMETRIC: 1 }, itemsPerUnit: 1, rowSigma: true },
  Q5_0: { family: 'legacy', constants: { QBITS: 5, ASYMMETRIC: 0 }, itemsPerUnit: 2, rowSigma: true },
  // Super-blocks: one invocation each; 110-, 210-, 54- and 66-byte blocks go in pairs.
  Q2_K: { family: 'q2_K', constants: {}, itemsPerUnit: 1 },
  Q3_K: { family: 'q3_K', constants: {}, itemsPerUnit: 2 },
  Q4_K: { family: 'q4_K-q5_K', constants: { QBITS: 4 }, itemsPerUnit: 1 },
  Q5_K: { family: 'q4_K-q5_K', constants: { QBITS: 5 }, itemsPerUnit: 1 },
  Q6_K: { family: 'q6_K', constants: {}, itemsPerUnit: 2 },
  IQ4_NL: { family: 'iq4', constants: { XS: 0 }, itemsPerUnit: 2 },
  IQ4_XS: { family: 'iq4', constants: { XS: 1 }, itemsPerUnit: 1 },
  TQ1_0: { family: 'ternary', constants: { TQ1: 1 }, itemsPerUnit: 2 },
  TQ2_0: { family: 'ternary', constants: { TQ1: 0 }, itemsPerUnit: 2 },
  MXFP4: { family: 'mxfp4', constants: {}, itemsPerUnit: 4 },
  NVFP4: { family: 'nvfp4', constants: {}, itemsPerUnit: 1 },
  // 18-byte blocks, in pairs.
  Q1_0: { family: 'lowBit', constants: { Q1: 1 }, itemsPerUnit: 2 },
  Q2_0: { family: 'lowBit', constants: { Q1: 0 }, itemsPerUnit: 2 },
  Q5_1: { family: 'legacy', constants: { QBITS: 5, ASYMMETRIC: 1 }, itemsPerUnit: 1, rowSigma: true },
};

/** The kernel file of each family (it names the modules it includes). */
const FAMILY_MODULES: Record<KernelFamily | 'rowSigma', string> = {
  legacy: 'quant/legacy.wgsl',
  q8_0: 'quant/q8_0.wgsl',
  float16: 'quant/f16-bf16.wgsl',
  rowSigma: 'quant/row-sigma.wgsl',
  q2_K: 'quant/q2_k.wgsl',
  q3_K: 'quant/q3_k.wgsl',
  'q4_K-q5_K': 'quant/q4_k-q5_k.wgsl',
  q6_K: 'quant/q6_k.wgsl',
  iq4: 'quant/iq4.wgsl',
  ternary: 'quant/tq.wgsl',
  mxfp4: 'quant/mxfp4.wgsl',
  nvfp4: 'quant/nvfp4.wgsl',
  lowBit: 'quant/low-bit.wgsl',
};

export type QuantVariantKey =
  | { readonly kind: 'quantize'; readonly type: GpuQuantType; readonly weighted: boolean }
  | { readonly kind: 'rowSigma' };

/** quant-bindings.wgsl's slots: src, importance, row_sigma2, dst, params. */
export const QUANTIZE_BINDINGS: KernelBindings = {
  0: 'read-only-storage', 1: 'read-only-storage', 2: 'read-only-storage', 3: 'storage', 4: 'uniform',
};
const ROW_SIGMA_BINDINGS: KernelBindings = { 0: 'read-only-storage', 1: 'storage', 2: 'uniform' };

export function typeKernel(type: GpuQuantType): TypeKernel {
  return TYPE_KERNELS[type];
}

type QuantizeKey = Extract<QuantVariantKey, { kind: 'quantize' }>;

/** The key for quantizing `type`; `weighted` only where ggml reads the imatrix. */
export function quantizeVariantKey(type: GpuQuantType, hasImatrix: boolean): QuantizeKey {
  return { kind: 'quantize', type, weighted: hasImatrix && GGML_TYPES[type].quantizerUsesImatrix };
}

export function quantVariant(key: QuantVariantKey): KernelPipelineSpec {
  if (key.kind === 'rowSigma') {
    const path = FAMILY_MODULES.rowSigma;
    return { moduleKey: path, source: () => composeWgsl(path), constants: {}, label: 'QuantPipeline.rowSigma', layout: ROW_SIGMA_BINDINGS };
  }
  const kernel = TYPE_KERNELS[key.type];
  const constants: Record<string, number> = { ...kernel.constants };
  // The shader of a type whose quantizer reads importance weights has a WEIGHTED override.
  if (GGML_TYPES[key.type].quantizerUsesImatrix) constants['WEIGHTED'] = key.weighted ? 1 : 0;
  const path = FAMILY_MODULES[kernel.family];
  return {
    moduleKey: path,
    source: () => composeWgsl(path),
    constants,
    label: `QuantPipeline.${key.type}${key.weighted ? '.imatrix' : ''}`,
    layout: QUANTIZE_BINDINGS,
  };
}
