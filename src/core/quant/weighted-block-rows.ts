// The row walk every imatrix-aware super-block quantizer shares: blocks run along the rows, and the
// importance weights are per column, so block b reads them from column (b mod blocks per row).
/** Quantizes one block of `x` at xo into dst at o, with importance weights from qw at qo. */
export type WeightedBlockQuantizer<W extends Float32Array | null> = (
  x: Float32Array, xo: number, qw: W, qo: number, dst: Uint8Array, o: number,
) => void;

/** Runs `quantizeBlock` over every block of `blockValues` values in rows of `cols` (cols % blockValues == 0). */
export function quantizeWeightedBlockRows<W extends Float32Array | null>(
  src: Float32Array, cols: number, qw: W, dst: Uint8Array,
  blockValues: number, blockBytes: number, quantizeBlock: WeightedBlockQuantizer<W>,
): void {
  const perRow = cols / blockValues;
  const blocks = src.length / blockValues;
  for (let b = 0; b < blocks; b++) {
    quantizeBlock(src, b * blockValues, qw, (b % perRow) * blockValues, dst, b * blockBytes);
  }
}
