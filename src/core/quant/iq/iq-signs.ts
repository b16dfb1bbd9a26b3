// Pieces every IQ2/IQ3 quantizer shares: the super-block energy that feeds the importance weights,
// and splitting values into magnitudes plus per-8 sign bytes.
const fround = Math.fround;

/** Σ x² over x[xo..xo+n) in float32, in order. */
export function sumSquares(x: Float32Array, xo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    s = fround(s + fround(v * v));
  }
  return s;
}

/**
 * xval[i] = |x[xo+i]| for i < n, and signs[k] = the sign bits of values 8k..8k+7. With
 * `evenParity` (IQ2_XXS, IQ2_XS, IQ3_XXS store only 7 sign bits per 8 values) a group with an odd
 * count of negatives gives up the sign of its least important value (smallest w*x², first wins):
 * that magnitude is negated instead, and the stored bits keep only 7 bits.
 */
export function splitSigns(
  x: Float32Array, xo: number, weight: Float32Array, n: number, evenParity: boolean,
  xval: Float32Array, signs: Uint8Array,
): void {
  for (let k = 0; k < n / 8; k++) {
    let s = 0;
    let nflip = 0;
    for (let i = 0; i < 8; i++) {
      const v = x[xo + 8 * k + i]!;
      if (v >= 0) {
        xval[8 * k + i] = v;
      } else {
        xval[8 * k + i] = -v;
        nflip++;
        s |= 1 << i;
      }
    }
    if (evenParity && nflip % 2 === 1) {
      let imin = 0;
      let min = fround(fround(weight[8 * k]! * x[xo + 8 * k]!) * x[xo + 8 * k]!);
      for (let i = 1; i < 8; i++) {
        const v = x[xo + 8 * k + i]!;
        const ax = fround(fround(weight[8 * k + i]! * v) * v);
        if (ax < min) {
          min = ax;
          imin = i;
        }
      }
      xval[8 * k + imin] = -xval[8 * k + imin]!;
      s ^= 1 << imin;
    }
    signs[k] = evenParity ? s & 127 : s;
  }
}

/** MAX over xval[0..n) as ggml writes it (first value, then `max > v ? max : v`). */
export function maxOf(xval: Float32Array, n: number): number {
  let max = xval[0]!;
  for (let i = 1; i < n; i++) {
    const v = xval[i]!;
    max = max > v ? max : v;
  }
  return max;
}
