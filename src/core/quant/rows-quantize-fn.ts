/**
 * Quantizes every row of `src` (rows of `cols` float32, cols a multiple of the block size) into
 * `dst`, which holds exactly the bytes of those rows. `imatrix` has one weight per column or is
 * null; functions of types that ignore it in ggml ignore it here.
 */
export type RowsQuantizeFn = (
  src: Float32Array,
  cols: number,
  imatrix: Float32Array | null,
  dst: Uint8Array,
) => void;

/** Decodes `bytes` (whole rows of `cols` elements) into `dst`, as ggml's dequantize_row_*. */
export type RowsDequantizeFn = (bytes: Uint8Array, cols: number, dst: Float32Array) => void;
