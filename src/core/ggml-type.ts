// ggml's tensor types and what is true of each whatever the tensor: id, block geometry, whether
// a model tensor can have it, whether ggml's quantizer reads or needs importance weights, the
// activation type of its CPU dot product (ggml.h, ggml.c's type_traits and quantize_chunk,
// ggml-cpu.c's type_traits_cpu). Tables elsewhere are Record<GgmlTypeName | StorableTypeName, …>,
// so a new type does not compile until each has an entry.
//
// Adding a type touches:
//   1. here: GGML_TYPE_NAMES and a GGML_TYPES row;
//   2. core/quant/: its CPU quantizer and dequantizer, in cpu-quantizer.ts and dequantize.ts (the
//      compiler asks when the row says `storable`), checked byte for byte against llama.cpp's
//      output in shared/golden/quant/ by a golden test;
//   3. core/recipe/: file-type.ts (its llama_ftype; asked by the compiler), choose-types.ts
//      FALLBACK for a 256-wide block, llama-mixes.ts where a mix picks it, and
//      llama-quantize-imatrix.ts if llama-quantize refuses it without an imatrix; core/dynamic/
//      recipe.ts MIX_OF_TYPE and candidate-types.ts where a dynamic recipe should use it;
//   4. ui/type-colors.ts (asked by the compiler);
//   5. optionally a GPU kernel: a variant in src/gpu/ and its WGSL in shaders/quant/, tested
//      against the CPU kernel.
import { bytes, type Bytes } from './units.ts';

export const GGML_TYPE_NAMES = [
  'F32', 'F16', 'BF16',
  'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q8_1',
  'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_K',
  'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M', 'IQ4_NL', 'IQ4_XS',
  'TQ1_0', 'TQ2_0', 'MXFP4', 'NVFP4', 'Q1_0', 'Q2_0',
] as const;

export type GgmlTypeName = (typeof GGML_TYPE_NAMES)[number];

/** What ggml's CPU matmul rounds activations to before an integer dot product with this type. */
export type VecDotType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q8_K';

export interface GgmlTypeTraits {
  /** ggml_type enum value, written into GGUF tensor infos. */
  readonly id: number;
  /** Elements per block (1 for plain float types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /**
   * ggml_quantize_chunk writes it, so a model tensor may have it. Q8_1 and Q8_K are only
   * dot-product operands: llama.cpp never stores a weight in them.
   */
  readonly storable: boolean;
  /**
   * ggml_quantize_chunk reads the importance weights when given them; the others (float types,
   * Q8_0, the ternary types, MXFP4, NVFP4, Q1_0, Q2_0) write the same bytes with or without.
   */
  readonly quantizerUsesImatrix: boolean;
  /**
   * ggml_quantize_requires_imatrix: the quantizer itself refuses to run without importance weights
   * (its search is tuned on them), whatever the tensor. llama-quantize's wider policy is in
   * recipe/llama-quantize-imatrix.ts.
   */
  readonly quantizerNeedsImatrix: boolean;
  /**
   * type_traits_cpu vec_dot_type. Q8_1, which the _1 types use, holds Q8_0's values plus a sum, so
   * it rounds as Q8_0.
   */
  readonly vecDotType: VecDotType;
}

export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, typeSize: 4, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'F32' },
  F16: { id: 1, blockSize: 1, typeSize: 2, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'F16' },
  BF16: { id: 30, blockSize: 1, typeSize: 2, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'BF16' },
  Q4_0: { id: 2, blockSize: 32, typeSize: 18, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q4_1: { id: 3, blockSize: 32, typeSize: 20, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q5_0: { id: 6, blockSize: 32, typeSize: 22, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q5_1: { id: 7, blockSize: 32, typeSize: 24, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q8_0: { id: 8, blockSize: 32, typeSize: 34, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q8_1: { id: 9, blockSize: 32, typeSize: 36, storable: false, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q2_K: { id: 10, blockSize: 256, typeSize: 84, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  Q3_K: { id: 11, blockSize: 256, typeSize: 110, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  Q4_K: { id: 12, blockSize: 256, typeSize: 144, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  Q5_K: { id: 13, blockSize: 256, typeSize: 176, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  Q6_K: { id: 14, blockSize: 256, typeSize: 210, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  Q8_K: { id: 15, blockSize: 256, typeSize: 292, storable: false, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  IQ2_XXS: { id: 16, blockSize: 256, typeSize: 66, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: true, vecDotType: 'Q8_K' },
  IQ2_XS: { id: 17, blockSize: 256, typeSize: 74, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: true, vecDotType: 'Q8_K' },
  IQ2_S: { id: 22, blockSize: 256, typeSize: 82, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  IQ3_XXS: { id: 18, blockSize: 256, typeSize: 98, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  IQ3_S: { id: 21, blockSize: 256, typeSize: 110, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  IQ1_S: { id: 19, blockSize: 256, typeSize: 50, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: true, vecDotType: 'Q8_K' },
  IQ1_M: { id: 29, blockSize: 256, typeSize: 56, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  IQ4_NL: { id: 20, blockSize: 32, typeSize: 18, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  IQ4_XS: { id: 23, blockSize: 256, typeSize: 136, storable: true, quantizerUsesImatrix: true, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  TQ1_0: { id: 34, blockSize: 256, typeSize: 54, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  TQ2_0: { id: 35, blockSize: 256, typeSize: 66, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_K' },
  MXFP4: { id: 39, blockSize: 32, typeSize: 17, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  // quantize_nvfp4 ignores the weights; quantize_q1_0/q2_0 take them but run the _ref row by row.
  NVFP4: { id: 40, blockSize: 64, typeSize: 36, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q1_0: { id: 41, blockSize: 128, typeSize: 18, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
  Q2_0: { id: 42, blockSize: 64, typeSize: 18, storable: true, quantizerUsesImatrix: false, quantizerNeedsImatrix: false, vecDotType: 'Q8_0' },
} as const satisfies Record<GgmlTypeName, GgmlTypeTraits>;

const BY_ID = new Map<number, GgmlTypeName>(
  GGML_TYPE_NAMES.map((name) => [GGML_TYPES[name].id, name]),
);

export function ggmlTypeById(id: number): GgmlTypeName | undefined {
  return BY_ID.get(id);
}

/** Parses a type name case-insensitively ("q4_k" -> "Q4_K"); undefined when unknown. */
export function parseGgmlTypeName(text: string): GgmlTypeName | undefined {
  const upper = text.trim().toUpperCase();
  return (GGML_TYPE_NAMES as readonly string[]).includes(upper) ? (upper as GgmlTypeName) : undefined;
}

/** Whether a row of `rowLength` elements is whole blocks of `type` (else llama.cpp falls back). */
export function rowFitsBlocks(type: GgmlTypeName, rowLength: number): boolean {
  return rowLength % GGML_TYPES[type].blockSize === 0;
}

/** Bytes of one row of `cols` elements; cols must be a multiple of the block size. */
export function rowBytes(type: GgmlTypeName, cols: number): Bytes {
  const t = GGML_TYPES[type];
  if (!rowFitsBlocks(type, cols)) {
    throw new Error(`${type}: row length ${cols} is not a multiple of the block size ${t.blockSize}`);
  }
  return bytes((cols / t.blockSize) * t.typeSize);
}

/** Bytes of a tensor whose ggml shape is `ne` (ne[0] innermost). */
export function tensorBytes(type: GgmlTypeName, ne: readonly number[]): Bytes {
  const rows = ne.slice(1).reduce((a, b) => a * b, 1);
  return bytes(rowBytes(type, ne[0]!) * rows);
}

/** A type whose elements are quantized in blocks (not F32, F16 or BF16). */
export function isQuantizedType(type: GgmlTypeName): boolean {
  return GGML_TYPES[type].blockSize > 1;
}

/** The types llama.cpp can store a weight in (see GgmlTypeTraits.storable). */
export type StorableTypeName = {
  [T in GgmlTypeName]: (typeof GGML_TYPES)[T]['storable'] extends true ? T : never;
}[GgmlTypeName];

export function isStorableType(type: GgmlTypeName): type is StorableTypeName {
  return GGML_TYPES[type].storable;
}

/** ggml's quantizer refuses this type without importance weights, on any tensor. */
export function quantizerNeedsImatrix(type: GgmlTypeName): boolean {
  return GGML_TYPES[type].quantizerNeedsImatrix;
}

/** Bits per weight of a type: what one element costs on disk. */
export function bitsPerWeight(type: GgmlTypeName): number {
  const t = GGML_TYPES[type];
  return (t.typeSize * 8) / t.blockSize;
}
