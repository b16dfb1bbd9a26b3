// The "max" of ggml's symmetric quantizers: not the largest value but the value of largest
// magnitude with its sign, so that the scale -nmax/max maps it to the most negative level.

/** The value of x[xo..xo+n) with the largest |x| (the first of equals; 0 when all are 0). */
export function signedMaxOf(x: Float32Array, xo: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    const ax = Math.abs(v);
    if (ax > amax) { amax = ax; max = v; }
  }
  return max;
}
