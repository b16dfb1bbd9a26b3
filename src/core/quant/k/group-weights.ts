// The per-element weights ggml's K-quant and IQ4 searches use, in float32 with ggml's order.

const fround = Math.fround;

/** Σ x² over src[p..p+n), accumulated in order as a float32 (ggml's sumx2 loops). */
export function sumSquares(src: Float32Array, p: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) {
    const v = src[p + j]!;
    s = fround(s + fround(v * v));
  }
  return s;
}

/** The imatrix weights w[j] = qw[j]·sqrt(σ² + x²) of src[p..p+n) into out[0..n); returns Σw. */
export function fillImatrixWeights(
  out: Float32Array, src: Float32Array, p: number, qw: Float32Array, qOff: number, n: number, sigma2: number,
): number {
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const v = src[p + j]!;
    const w = fround(qw[qOff + j]! * fround(Math.sqrt(fround(sigma2 + fround(v * v)))));
    out[j] = w;
    sum = fround(sum + w);
  }
  return sum;
}
