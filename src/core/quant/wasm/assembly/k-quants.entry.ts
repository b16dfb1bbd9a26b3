// The K-quant row quantizers, compiled to WebAssembly (scripts/build-wasm.mjs): the caller (src/core/
// quant/wasm/k-quants-wasm.ts) copies whole rows, and the importance weights of one row, into this
// module's memory above heapBase() and calls one function for the batch.
import { Q2_K_BYTES, q2KRef, q2KWeighted } from './q2-k';
import { Q3_K_BYTES, q3KRef, q3KWeighted } from './q3-k';
import { Q4_K_BYTES, Q5_K_BYTES, q4KRef, q4KWeighted, q5KRef, q5KWeighted } from './q4-q5-k';
import { Q6_K_BYTES, q6K } from './q6-k';

/** Quantizes one 256-element block at x (importance weights at qw, or 0) into o. */
type BlockFn = (x: usize, qw: usize, o: usize) => void;

/** The first byte the caller may use (the static scratch ends below it). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Quantizes `rows` rows of `perRow` blocks at src into dst; block b of a row reads the weights of
 * its columns at qw + 1024*b (qw 0: no importance weights, the _ref path).
 */
function rows(ref: BlockFn, weighted: BlockFn, blockBytes: i32, src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  const fn = qw == 0 ? ref : weighted;
  for (let r = 0; r < count; r++) {
    for (let b = 0; b < perRow; b++) {
      const i = <usize>(r * perRow + b);
      fn(src + (i << 10), qw == 0 ? 0 : qw + (<usize>b << 10), dst + i * blockBytes);
    }
  }
}

export function quantizeQ2K(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(q2KRef, q2KWeighted, Q2_K_BYTES, src, dst, count, perRow, qw);
}

export function quantizeQ3K(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(q3KRef, q3KWeighted, Q3_K_BYTES, src, dst, count, perRow, qw);
}

export function quantizeQ4K(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(q4KRef, q4KWeighted, Q4_K_BYTES, src, dst, count, perRow, qw);
}

export function quantizeQ5K(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(q5KRef, q5KWeighted, Q5_K_BYTES, src, dst, count, perRow, qw);
}

export function quantizeQ6K(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  rows(q6K, q6K, Q6_K_BYTES, src, dst, count, perRow, qw);
}
