// AssemblyScript (compiled by scripts/build-wasm.mjs): the two inner loops of the CPU forward's
// causal attention, which are all but a sliver of its work (tokens² × heads × head size). The
// softmax between them stays in JavaScript (src/core/forward/attention.ts) with Math.exp/tanh.
// Both sum in double like the JavaScript loops they replace: the scores over two lanes (even and
// odd dimensions), the weighted sum of v per dimension in the order of the positions.

/** dots[u] = q · k_u for u in [from, to], q at qPtr, k_u at kPtr + u * kStride bytes; dims floats. */
export function scores(qPtr: usize, kPtr: usize, kStride: usize, dims: i32, from: i32, to: i32, dotsPtr: usize): void {
  const bytes = <usize>dims << 2;
  const pairBytes = bytes & ~(<usize>7);
  for (let u = from; u <= to; u++) {
    const k = kPtr + <usize>u * kStride;
    let a = f64x2.splat(0);
    for (let i: usize = 0; i < pairBytes; i += 8) {
      a = f64x2.add(a, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(qPtr + i)), f64x2.promote_low_f32x4(v128.load64_zero(k + i))));
    }
    let dot = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
    if (pairBytes < bytes) dot += <f64>load<f32>(qPtr + pairBytes) * <f64>load<f32>(k + pairBytes);
    store<f64>(dotsPtr + (<usize>u << 3), dot);
  }
}

/** out[i] = Σ_u p[u] · v_u[i] for u in [from, to] (p in double), v_u at vPtr + u * vStride bytes. */
export function weightedSum(pPtr: usize, vPtr: usize, vStride: usize, dims: i32, from: i32, to: i32, outPtr: usize, accPtr: usize): void {
  const bytes = <usize>dims << 2;
  const pairBytes = bytes & ~(<usize>7);
  memory.fill(accPtr, 0, bytes << 1);
  for (let u = from; u <= to; u++) {
    const p = f64x2.splat(load<f64>(pPtr + (<usize>u << 3)));
    const v = vPtr + <usize>u * vStride;
    for (let i: usize = 0; i < pairBytes; i += 8) {
      const acc = accPtr + (i << 1);
      v128.store(acc, f64x2.add(v128.load(acc), f64x2.mul(p, f64x2.promote_low_f32x4(v128.load64_zero(v + i)))));
    }
    if (pairBytes < bytes) {
      const acc = accPtr + (pairBytes << 1);
      store<f64>(acc, load<f64>(acc) + f64x2.extract_lane(p, 0) * <f64>load<f32>(v + pairBytes));
    }
  }
  for (let i: usize = 0; i < bytes; i += 4) store<f32>(outPtr + i, <f32>load<f64>(accPtr + (i << 1)));
}

/** Where the module's static data ends: callers place their arrays above it. */
export function heapBase(): usize {
  return __heap_base;
}
