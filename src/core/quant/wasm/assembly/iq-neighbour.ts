// The best neighbour of an off-grid point (ggml's iq2/iq3_find_best_neighbour and
// iq1_find_best_neighbour2): the candidate of the point's list with the least weighted squared
// error Σ w*(scale*q - x)², float32 in coordinate order, the first of equals winning.
// Each error term depends only on (coordinate, level), so the caller computes the 32 terms once
// (four lanes at a time: lane-wise products round as the scalar ones) and each candidate adds its
// own in order. Every candidate's sum is completed: stopping one once its partial sum reaches the
// best (exact for non-negative terms) costs more in mispredicted branches than it saves.
import { gridSlots, neighbours } from './iq-lattice';
import { TERMS } from './iq-scratch';

export const FLT_MAX: f32 = 3.4028234663852886e38;

/**
 * TERMS[level][k] = (w[k]*d)*d with d = scale*value(level) - x[k], for `levels` levels of `dim`
 * coordinates (dim*levels = 32); value(level) = valueStep*level + valueBase.
 */
export function fillTerms(dim: i32, x: usize, w: usize, scale: f32, valueBase: f32, valueStep: f32, levels: i32): void {
  for (let l = 0; l < levels; l++) {
    const q = f32x4.splat(scale * (valueStep * <f32>l + valueBase));
    for (let k = 0; k < dim; k += 4) {
      const at = <usize>k << 2;
      const d = f32x4.sub(q, v128.load(x + at));
      const t = f32x4.mul(f32x4.mul(v128.load(w + at), d), d);
      v128.store(TERMS + (<usize>(l * dim) << 2) + at, t);
    }
  }
}

/** The error of the candidate whose term offsets are the dim bytes at s: its terms added in order. */
// @ts-ignore: decorator
@inline function error8(s: usize): f32 {
  let d2: f32 = load<f32>(TERMS + <usize>load<u8>(s));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 1));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 2));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 3));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 4));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 5));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 6));
  return d2 + load<f32>(TERMS + <usize>load<u8>(s, 7));
}

// @ts-ignore: decorator
@inline function error4(s: usize): f32 {
  let d2: f32 = load<f32>(TERMS + <usize>load<u8>(s));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 1));
  d2 += load<f32>(TERMS + <usize>load<u8>(s, 2));
  return d2 + load<f32>(TERMS + <usize>load<u8>(s, 3));
}

function scan8(slots: usize, list: usize): i32 {
  const n = <i32>load<u16>(list);
  let best = FLT_MAX;
  let bestP = -1;
  for (let c = 1; c <= n; c++) {
    const p = <i32>load<u16>(list + (<usize>c << 1));
    const d2 = error8(slots + (<usize>p << 3));
    if (d2 < best) {
      best = d2;
      bestP = p;
    }
  }
  return bestP;
}

function scan4(slots: usize, list: usize): i32 {
  const n = <i32>load<u16>(list);
  let best = FLT_MAX;
  let bestP = -1;
  for (let c = 1; c <= n; c++) {
    const p = <i32>load<u16>(list + (<usize>c << 1));
    const d2 = error4(slots + (<usize>p << 3));
    if (d2 < best) {
      best = d2;
      bestP = p;
    }
  }
  return bestP;
}

/**
 * The candidate of off-grid point u with the least error over the terms in TERMS (-1 when none
 * has a finite error below FLT_MAX).
 */
export function bestNeighbour(g: i32, dim: i32, u: i32): i32 {
  const list = neighbours(g, u);
  const slots = gridSlots(g);
  return dim == 8 ? scan8(slots, list) : scan4(slots, list);
}

/** Writes the levels of grid point p as int32 at L[0..dim). */
export function storePointLevels(g: i32, dim: i32, p: i32, L: usize): void {
  const s = load<u64>(gridSlots(g) + (<usize>p << 3));
  const shift: u64 = dim == 8 ? 5 : 4; // offset = 4*((level << log2(dim)) | k)
  for (let k = 0; k < dim; k++) store<i32>(L + (<usize>k << 2), <i32>(((s >> (8 * k)) & 0xff) >> shift));
}
