// The blocked CPU kernels (two matmul rows, or four positions × two vocab rows, per pass) must
// give exactly what a plain loop in the same summation order gives, odd sizes and tails included:
// the reference forward's agreement with llama.cpp rests on that order.
import { describe, expect, it } from 'vitest';
import { headLogits } from '../../src/core/dynamic/output-kld.ts';
import { matmul } from '../../src/core/forward/ops.ts';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

/** ggml-like: four interleaved partial sums, added at the end, rounded to float32. */
function plainMatmul(x: Float32Array, rows: number, cols: number, w: Float32Array, out: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      const s = [0, 0, 0, 0];
      const tail = cols & ~3;
      for (let i = 0; i < tail; i++) s[i % 4]! += x[r * cols + i]! * w[o * cols + i]!;
      for (let i = tail; i < cols; i++) s[0]! += x[r * cols + i]! * w[o * cols + i]!;
      y[r * out + o] = Math.fround(s[0]! + s[1]! + s[2]! + s[3]!) + (bias ? bias[o]! : 0);
    }
  }
  return y;
}

describe('blocked CPU kernels', () => {
  it.each([[1, 8, 3], [2, 7, 5], [5, 66, 9], [8, 64, 16]])('matmul of %i rows × %i cols → %i equals the plain loop bit for bit', (rows, cols, out) => {
    const x = random(rows * cols, rows * 31 + cols);
    const w = random(cols * out, out * 17);
    const bias = random(out, 5);
    expect(matmul(x, rows, cols, w, out, bias)).toEqual(plainMatmul(x, rows, cols, w, out, bias));
    expect(matmul(x, rows, cols, w, out)).toEqual(plainMatmul(x, rows, cols, w, out));
  });

  it.each([[3, 16, 5], [4, 16, 7], [9, 32, 10], [8, 64, 64]])('headLogits of %i positions × %i → %i equals the plain loop bit for bit', (rows, cols, out) => {
    const x = random(rows * cols, rows + cols);
    const w = random(cols * out, out);
    const plain = new Float32Array(rows * out);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < out; o++) {
        let s = 0;
        for (let i = 0; i < cols; i++) s += x[r * cols + i]! * w[o * cols + i]!;
        plain[r * out + o] = s;
      }
    }
    expect(headLogits(x, rows, cols, w, out)).toEqual(plain);
  });
});
