// The legacy row quantizers (Q4_0, Q4_1, Q5_0, Q5_1), compiled to WebAssembly (scripts/build-wasm.mjs):
// the caller (src/core/quant/wasm/legacy-quants-wasm.ts) copies whole rows, and the importance
// weights of one row, into this module's memory above heapBase() and calls one function per batch.
import { asymmetricRef, asymmetricRow, symmetricRef, symmetricRow } from './legacy';

/** The first byte the caller may use (the static scratch ends below it). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Rows of `perRow` 32-value blocks at src into dst; with importance weights (qw != 0) row by row. */
function rows(nmax: i32, symmetric: bool, blockBytes: i32, src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  const qsAt: usize = symmetric ? (nmax == 8 ? 2 : 6) : nmax == 15 ? 4 : 8;
  const qhAt: usize = nmax == 16 ? 2 : nmax == 31 ? 4 : 0;
  for (let r = 0; r < count; r++) {
    const x = src + (<usize>(r * perRow) << 7);
    const o = dst + <usize>(r * perRow) * blockBytes;
    if (qw != 0) {
      if (symmetric) symmetricRow(nmax, x, qw, o, perRow);
      else asymmetricRow(nmax, x, qw, o, perRow);
      continue;
    }
    for (let b = 0; b < perRow; b++) {
      const xb = x + (<usize>b << 7);
      const ob = o + <usize>b * blockBytes;
      if (symmetric) symmetricRef(nmax, xb, ob + qsAt, qhAt == 0 ? 0 : ob + qhAt, ob);
      else asymmetricRef(nmax, xb, ob + qsAt, qhAt == 0 ? 0 : ob + qhAt, ob);
    }
  }
}

export function quantizeQ4_0(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(8, true, 18, src, dst, count, perRow, qw);
}

export function quantizeQ4_1(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(15, false, 20, src, dst, count, perRow, qw);
}

export function quantizeQ5_0(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(16, true, 22, src, dst, count, perRow, qw);
}

export function quantizeQ5_1(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(31, false, 24, src, dst, count, perRow, qw);
}
