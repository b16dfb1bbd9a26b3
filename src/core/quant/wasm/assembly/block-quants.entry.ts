// The quantizers of the simple block types, compiled to WebAssembly (scripts/build-wasm.mjs):
// Q4_0, Q4_1, Q5_0, Q5_1 (with and without importance weights), Q8_0, MXFP4, NVFP4, TQ1_0, TQ2_0,
// Q1_0 and Q2_0,
// and the F16 / BF16 conversions.
// The caller (src/core/quant/wasm/block-quants-wasm.ts) copies whole rows, and the importance
// weights of one row, into this module's memory above heapBase() and calls one function per batch.
import { bf16Row, f16Row } from './float-conv';
import { asymmetricRef, asymmetricRow, symmetricRef, symmetricRow } from './legacy';
import { MXFP4_BYTES, floorLog2f, mxfp4 } from './mxfp4';
import { Q8_0_BYTES, q8_0 } from './q8-0';
import { Q1_0_BYTES, Q2_0_BYTES, q1_0, q2_0 } from './low-bit';
import { NVFP4_BYTES, nvfp4, ue4m3Half, ue4m3Of } from './nvfp4';
import { TQ1_0_BYTES, TQ2_0_BYTES, tq1_0, tq2_0 } from './ternary';

/** Quantizes one block at x into o (these types ignore importance weights). */
type BlockFn = (x: usize, qw: usize, o: usize) => void;

/** The first byte the caller may use (the static scratch ends below it). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Q4_0 .. Q5_1: rows of `perRow` 32-value blocks; with importance weights (qw != 0) row by row. */
// @ts-ignore: decorator
@inline function legacyRows(nmax: i32, symmetric: bool, blockBytes: i32, src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
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

/** Every block of `count` rows of `perRow` blocks of `values` values. */
function blocks(fn: BlockFn, values: i32, blockBytes: i32, src: usize, dst: usize, count: i32, perRow: i32): void {
  const n = count * perRow;
  for (let i = 0; i < n; i++) fn(src + <usize>i * (<usize>values << 2), 0, dst + <usize>i * blockBytes);
}

export function quantizeQ4_0(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  legacyRows(8, true, 18, src, dst, count, perRow, qw);
}

export function quantizeQ4_1(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  legacyRows(15, false, 20, src, dst, count, perRow, qw);
}

export function quantizeQ5_0(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  legacyRows(16, true, 22, src, dst, count, perRow, qw);
}

export function quantizeQ5_1(src: usize, dst: usize, count: i32, perRow: i32, qw: usize): void {
  legacyRows(31, false, 24, src, dst, count, perRow, qw);
}

export function quantizeQ8_0(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(q8_0, 32, Q8_0_BYTES, src, dst, count, perRow);
}

export function quantizeMxfp4(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(mxfp4, 32, MXFP4_BYTES, src, dst, count, perRow);
}

export function quantizeNvfp4(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(nvfp4, 64, NVFP4_BYTES, src, dst, count, perRow);
}

export function quantizeQ1_0(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(q1_0, 128, Q1_0_BYTES, src, dst, count, perRow);
}

export function quantizeQ2_0(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(q2_0, 64, Q2_0_BYTES, src, dst, count, perRow);
}

export function quantizeTq1_0(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(tq1_0, 256, TQ1_0_BYTES, src, dst, count, perRow);
}

export function quantizeTq2_0(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  blocks(tq2_0, 256, TQ2_0_BYTES, src, dst, count, perRow);
}

export function quantizeF16(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  f16Row(src, dst, count * perRow);
}

export function quantizeBf16(src: usize, dst: usize, count: i32, perRow: i32, _qw: usize): void {
  bf16Row(src, dst, count * perRow);
}

/** For tests: floorf(log2f(a)) as MXFP4's exponent takes it (a finite, > 0). */
export function mxfp4FloorLog2(a: f32): i32 {
  return floorLog2f(a);
}

/** For tests: ggml_fp32_to_ue4m3 as NVFP4's scales take it. */
export function nvfp4ScaleOf(x: f32): i32 {
  return ue4m3Of(x);
}

/** For tests: ggml_ue4m3_to_fp32 (half the scale). */
export function nvfp4ScaleHalf(u: i32): f32 {
  return ue4m3Half(u);
}
