// ggml's tensor types: ids, block geometry and names, as in ggml/include/ggml.h and the
// type_traits table of ggml.c. Tables elsewhere are keyed by GgmlTypeName, so adding a type here
// does not compile until every table has an entry for it.
import { bytes, type Bytes } from './units.ts';

export const GGML_TYPE_NAMES = [
  'F32', 'F16', 'BF16',
  'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q8_1',
  'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_K',
  'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M', 'IQ4_NL', 'IQ4_XS',
  'TQ1_0', 'TQ2_0', 'MXFP4',
] as const;

export type GgmlTypeName = (typeof GGML_TYPE_NAMES)[number];

export interface GgmlTypeTraits {
  /** ggml_type enum value, written into GGUF tensor infos. */
  readonly id: number;
  /** Elements per block (1 for plain float types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

export const GGML_TYPES: Record<GgmlTypeName, GgmlTypeTraits> = {
  F32: { id: 0, blockSize: 1, typeSize: 4 },
  F16: { id: 1, blockSize: 1, typeSize: 2 },
  BF16: { id: 30, blockSize: 1, typeSize: 2 },
  Q4_0: { id: 2, blockSize: 32, typeSize: 18 },
  Q4_1: { id: 3, blockSize: 32, typeSize: 20 },
  Q5_0: { id: 6, blockSize: 32, typeSize: 22 },
  Q5_1: { id: 7, blockSize: 32, typeSize: 24 },
  Q8_0: { id: 8, blockSize: 32, typeSize: 34 },
  Q8_1: { id: 9, blockSize: 32, typeSize: 36 },
  Q2_K: { id: 10, blockSize: 256, typeSize: 84 },
  Q3_K: { id: 11, blockSize: 256, typeSize: 110 },
  Q4_K: { id: 12, blockSize: 256, typeSize: 144 },
  Q5_K: { id: 13, blockSize: 256, typeSize: 176 },
  Q6_K: { id: 14, blockSize: 256, typeSize: 210 },
  Q8_K: { id: 15, blockSize: 256, typeSize: 292 },
  IQ2_XXS: { id: 16, blockSize: 256, typeSize: 66 },
  IQ2_XS: { id: 17, blockSize: 256, typeSize: 74 },
  IQ2_S: { id: 22, blockSize: 256, typeSize: 82 },
  IQ3_XXS: { id: 18, blockSize: 256, typeSize: 98 },
  IQ3_S: { id: 21, blockSize: 256, typeSize: 110 },
  IQ1_S: { id: 19, blockSize: 256, typeSize: 50 },
  IQ1_M: { id: 29, blockSize: 256, typeSize: 56 },
  IQ4_NL: { id: 20, blockSize: 32, typeSize: 18 },
  IQ4_XS: { id: 23, blockSize: 256, typeSize: 136 },
  TQ1_0: { id: 34, blockSize: 256, typeSize: 54 },
  TQ2_0: { id: 35, blockSize: 256, typeSize: 66 },
  MXFP4: { id: 39, blockSize: 32, typeSize: 17 },
};

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

/** Bytes of one row of `cols` elements; cols must be a multiple of the block size. */
export function rowBytes(type: GgmlTypeName, cols: number): Bytes {
  const t = GGML_TYPES[type];
  if (cols % t.blockSize !== 0) {
    throw new Error(`${type}: row length ${cols} is not a multiple of the block size ${t.blockSize}`);
  }
  return bytes((cols / t.blockSize) * t.typeSize);
}

/** Bytes of a tensor whose ggml shape is `ne` (ne[0] innermost). */
export function tensorBytes(type: GgmlTypeName, ne: readonly number[]): Bytes {
  const rows = ne.slice(1).reduce((a, b) => a * b, 1);
  return bytes(rowBytes(type, ne[0]!) * rows);
}

/** Bits per weight of a type: what one element costs on disk. */
export function bitsPerWeight(type: GgmlTypeName): number {
  const t = GGML_TYPES[type];
  return (t.typeSize * 8) / t.blockSize;
}
