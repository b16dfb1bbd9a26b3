// The CPU forward's matrix product (WebAssembly SIMD, src/core/forward/wasm) must give exactly
// what a plain loop in its summation order gives, odd sizes, tails and weight slices included:
// double products summed in two double lanes (even and odd columns) over the whole vectors of
// four, the lanes added, then the columns past the last vector, rounded to float, then the bias.
// The float-sums kernel (the sensitivity pass's) likewise matches its own plain loop: float
// products in four float lanes, lanes added pairwise, then the tail in float.
import { describe, expect, it } from 'vitest';
import { matmul } from '../../src/core/forward/ops.ts';

const fround = Math.fround;

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

function plainMatmul(x: Float32Array, rows: number, cols: number, w: Float32Array, out: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(rows * out);
  const vec = cols & ~3;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      const lanes = [0, 0];
      for (let i = 0; i < vec; i++) lanes[i % 2] += x[r * cols + i]! * w[o * cols + i]!;
      let tail = 0;
      for (let i = vec; i < cols; i++) tail += x[r * cols + i]! * w[o * cols + i]!;
      const sum = fround(lanes[0]! + lanes[1]! + tail);
      y[r * out + o] = bias ? fround(sum + bias[o]!) : sum;
    }
  }
  return y;
}

/** The 'float' sums in the kernel's order, every operation rounded to float. */
function plainMatmulFloat(x: Float32Array, rows: number, cols: number, w: Float32Array, out: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(rows * out);
  const vec = cols & ~3;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      const lanes = [0, 0, 0, 0];
      for (let i = 0; i < vec; i++) lanes[i % 4] = fround(lanes[i % 4]! + fround(x[r * cols + i]! * w[o * cols + i]!));
      let tail = 0;
      for (let i = vec; i < cols; i++) tail = fround(tail + fround(x[r * cols + i]! * w[o * cols + i]!));
      const sum = fround(fround(fround(lanes[0]! + lanes[1]!) + fround(lanes[2]! + lanes[3]!)) + tail);
      y[r * out + o] = bias ? fround(sum + bias[o]!) : sum;
    }
  }
  return y;
}

describe('CPU matrix product', () => {
  it.each([[1, 8, 3], [2, 7, 5], [5, 66, 9], [8, 64, 16], [9, 33, 10], [4, 3, 2]])('%i rows × %i cols → %i equals the plain loop bit for bit', (rows, cols, out) => {
    const x = random(rows * cols, rows * 31 + cols);
    const w = random(cols * out, out * 17);
    const bias = random(out, 5);
    expect(matmul(x, rows, cols, w, out, bias)).toEqual(plainMatmul(x, rows, cols, w, out, bias));
    expect(matmul(x, rows, cols, w, out)).toEqual(plainMatmul(x, rows, cols, w, out));
  });

  it.each([[1, 8, 3], [2, 7, 5], [5, 66, 9], [8, 64, 16], [9, 33, 10], [4, 3, 2]])('float sums: %i rows × %i cols → %i equal their plain loop bit for bit, and the double sums to 1e-5', (rows, cols, out) => {
    const x = random(rows * cols, rows * 37 + cols);
    const w = random(cols * out, out * 13);
    const bias = random(out, 7);
    const y = matmul(x, rows, cols, w, out, bias, 'float');
    expect(y).toEqual(plainMatmulFloat(x, rows, cols, w, out, bias));
    const exact = matmul(x, rows, cols, w, out, bias);
    for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - exact[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(exact[i]!)));
  });

  it('a weight larger than one slice (8 MB) is done in slices with the same result', () => {
    const rows = 5, cols = 36, out = 60_001;
    const x = random(rows * cols, 3);
    const w = random(cols * out, 4);
    const y = matmul(x, rows, cols, w, out);
    const plain = plainMatmul(x, rows, cols, w, out);
    let differing = 0;
    for (let i = 0; i < y.length; i++) if (!Object.is(y[i], plain[i])) differing++;
    expect(differing).toBe(0);
  });

  it('refuses a weight of the wrong size, naming both sizes', () => {
    expect(() => matmul(new Float32Array(8), 2, 4, new Float32Array(10), 3)).toThrow('weight has 10 values, expected 4×3');
  });
});
