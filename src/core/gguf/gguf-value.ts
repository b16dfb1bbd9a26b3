// GGUF metadata values, tagged with their on-disk type so the writer never guesses
// (a u32 and an i32 of the same number are different bytes).
export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f32' | 'f64' | 'bool' | 'string';

export type GgufValue =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'string'; value: readonly string[] }
  | { type: 'array'; itemType: GgufNumberType; value: ArrayLike<number> }
  /** Arrays the converters here never write, carried through from a GGUF source. */
  | { type: 'array'; itemType: 'u64' | 'i64'; value: readonly bigint[] }
  | { type: 'array'; itemType: 'bool'; value: readonly boolean[] };

/** The value types held in a JavaScript number. */
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';

export interface GgufKv {
  key: string;
  value: GgufValue;
}

export const GGUF_VALUE_TYPE_IDS: Record<GgufScalarType | 'array', number> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};
