// AssemblyScript (compiled by scripts/build-wasm.mjs): y = x · Wᵀ for the CPU forward. x is
// rows × cols, W is outCols × cols (row o holds output o's inputs), y is rows × ldy with the
// outputs at columns [0, outCols). Products and sums are in double, as the JavaScript loop this
// replaces had them: with float sums of four lanes the KL divergence of a Q8_0 model moved 4%
// away from llama-perplexity's (whose block-wise integer dot products are nearly exact), while
// double stays within 0.3%. Double SIMD still runs about seven times the JavaScript loop.
// Order: two double lanes (even and odd columns of each whole vector of four), added, then the
// columns past the last whole vector, then rounded to float.

@inline function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

@inline function lanes(a: v128): f64 {
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
}

/** The columns past the last whole vector (cols not a multiple of 4). */
@inline function tail(x: usize, w: usize, from: usize, to: usize): f64 {
  let s: f64 = 0;
  for (let i = from; i < to; i += 4) s += <f64>load<f32>(x + i) * <f64>load<f32>(w + i);
  return s;
}

/** Four rows by two outputs per tile: each x load serves two outputs, each w load four rows. */
export function matmul(xPtr: usize, rows: i32, cols: i32, wPtr: usize, outCols: i32, yPtr: usize, ldy: i32): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = rowBytes & ~(<usize>15);
  const ldb = <usize>ldy << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = xPtr + <usize>r * rowBytes;
    const x1 = x0 + rowBytes;
    const x2 = x1 + rowBytes;
    const x3 = x2 + rowBytes;
    let o = 0;
    for (; o + 2 <= outCols; o += 2) {
      const w0 = wPtr + <usize>o * rowBytes;
      const w1 = w0 + rowBytes;
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
      for (let i: usize = 0; i < vecBytes; i += 16) {
        const W0 = v128.load(w0 + i);
        const W1 = v128.load(w1 + i);
        const X0 = v128.load(x0 + i);
        const X1 = v128.load(x1 + i);
        const X2 = v128.load(x2 + i);
        const X3 = v128.load(x3 + i);
        let b0 = low(W0), b1 = low(W1), v0 = low(X0), v1 = low(X1), v2 = low(X2), v3 = low(X3);
        a00 = f64x2.add(a00, f64x2.mul(v0, b0));
        a01 = f64x2.add(a01, f64x2.mul(v0, b1));
        a10 = f64x2.add(a10, f64x2.mul(v1, b0));
        a11 = f64x2.add(a11, f64x2.mul(v1, b1));
        a20 = f64x2.add(a20, f64x2.mul(v2, b0));
        a21 = f64x2.add(a21, f64x2.mul(v2, b1));
        a30 = f64x2.add(a30, f64x2.mul(v3, b0));
        a31 = f64x2.add(a31, f64x2.mul(v3, b1));
        b0 = high(W0); b1 = high(W1); v0 = high(X0); v1 = high(X1); v2 = high(X2); v3 = high(X3);
        a00 = f64x2.add(a00, f64x2.mul(v0, b0));
        a01 = f64x2.add(a01, f64x2.mul(v0, b1));
        a10 = f64x2.add(a10, f64x2.mul(v1, b0));
        a11 = f64x2.add(a11, f64x2.mul(v1, b1));
        a20 = f64x2.add(a20, f64x2.mul(v2, b0));
        a21 = f64x2.add(a21, f64x2.mul(v2, b1));
        a30 = f64x2.add(a30, f64x2.mul(v3, b0));
        a31 = f64x2.add(a31, f64x2.mul(v3, b1));
      }
      const y0 = yPtr + ((<usize>r * <usize>ldy + <usize>o) << 2);
      store<f32>(y0, <f32>(lanes(a00) + tail(x0, w0, vecBytes, rowBytes)));
      store<f32>(y0 + 4, <f32>(lanes(a01) + tail(x0, w1, vecBytes, rowBytes)));
      store<f32>(y0 + ldb, <f32>(lanes(a10) + tail(x1, w0, vecBytes, rowBytes)));
      store<f32>(y0 + ldb + 4, <f32>(lanes(a11) + tail(x1, w1, vecBytes, rowBytes)));
      store<f32>(y0 + 2 * ldb, <f32>(lanes(a20) + tail(x2, w0, vecBytes, rowBytes)));
      store<f32>(y0 + 2 * ldb + 4, <f32>(lanes(a21) + tail(x2, w1, vecBytes, rowBytes)));
      store<f32>(y0 + 3 * ldb, <f32>(lanes(a30) + tail(x3, w0, vecBytes, rowBytes)));
      store<f32>(y0 + 3 * ldb + 4, <f32>(lanes(a31) + tail(x3, w1, vecBytes, rowBytes)));
    }
    for (; o < outCols; o++) {
      for (let k = 0; k < 4; k++) dot(xPtr, r + k, wPtr, o, rowBytes, vecBytes, yPtr, ldy);
    }
  }
  for (; r < rows; r++) {
    for (let o = 0; o < outCols; o++) dot(xPtr, r, wPtr, o, rowBytes, vecBytes, yPtr, ldy);
  }
}

function dot(xPtr: usize, r: i32, wPtr: usize, o: i32, rowBytes: usize, vecBytes: usize, yPtr: usize, ldy: i32): void {
  const x = xPtr + <usize>r * rowBytes;
  const w = wPtr + <usize>o * rowBytes;
  let a = f64x2.splat(0);
  for (let i: usize = 0; i < vecBytes; i += 16) {
    const X = v128.load(x + i);
    const W = v128.load(w + i);
    a = f64x2.add(a, f64x2.mul(low(X), low(W)));
    a = f64x2.add(a, f64x2.mul(high(X), high(W)));
  }
  store<f32>(yPtr + ((<usize>r * <usize>ldy + <usize>o) << 2), <f32>(lanes(a) + tail(x, w, vecBytes, rowBytes)));
}

/**
 * y = x · Wᵀ with float products and float sums in four lanes (lane sums added pairwise, then the
 * columns past the last whole vector): no conversions, so about twice the double kernel's speed.
 * For the sensitivity measurement, which compares two forwards computed the same way, where the
 * last bits of a sum do not move a KL divergence that matters (the GPU's tiled float sums are
 * its other implementation); not for eval or imatrix, which must track llama.cpp.
 */
export function matmulF32(xPtr: usize, rows: i32, cols: i32, wPtr: usize, outCols: i32, yPtr: usize, ldy: i32): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = rowBytes & ~(<usize>15);
  const ldb = <usize>ldy << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = xPtr + <usize>r * rowBytes;
    const x1 = x0 + rowBytes;
    const x2 = x1 + rowBytes;
    const x3 = x2 + rowBytes;
    let o = 0;
    for (; o + 2 <= outCols; o += 2) {
      const w0 = wPtr + <usize>o * rowBytes;
      const w1 = w0 + rowBytes;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let i: usize = 0; i < vecBytes; i += 16) {
        const W0 = v128.load(w0 + i);
        const W1 = v128.load(w1 + i);
        const X0 = v128.load(x0 + i);
        const X1 = v128.load(x1 + i);
        const X2 = v128.load(x2 + i);
        const X3 = v128.load(x3 + i);
        a00 = f32x4.add(a00, f32x4.mul(X0, W0));
        a01 = f32x4.add(a01, f32x4.mul(X0, W1));
        a10 = f32x4.add(a10, f32x4.mul(X1, W0));
        a11 = f32x4.add(a11, f32x4.mul(X1, W1));
        a20 = f32x4.add(a20, f32x4.mul(X2, W0));
        a21 = f32x4.add(a21, f32x4.mul(X2, W1));
        a30 = f32x4.add(a30, f32x4.mul(X3, W0));
        a31 = f32x4.add(a31, f32x4.mul(X3, W1));
      }
      const y0 = yPtr + ((<usize>r * <usize>ldy + <usize>o) << 2);
      store<f32>(y0, lanesF32(a00) + tailF32(x0, w0, vecBytes, rowBytes));
      store<f32>(y0 + 4, lanesF32(a01) + tailF32(x0, w1, vecBytes, rowBytes));
      store<f32>(y0 + ldb, lanesF32(a10) + tailF32(x1, w0, vecBytes, rowBytes));
      store<f32>(y0 + ldb + 4, lanesF32(a11) + tailF32(x1, w1, vecBytes, rowBytes));
      store<f32>(y0 + 2 * ldb, lanesF32(a20) + tailF32(x2, w0, vecBytes, rowBytes));
      store<f32>(y0 + 2 * ldb + 4, lanesF32(a21) + tailF32(x2, w1, vecBytes, rowBytes));
      store<f32>(y0 + 3 * ldb, lanesF32(a30) + tailF32(x3, w0, vecBytes, rowBytes));
      store<f32>(y0 + 3 * ldb + 4, lanesF32(a31) + tailF32(x3, w1, vecBytes, rowBytes));
    }
    for (; o < outCols; o++) {
      for (let k = 0; k < 4; k++) dotF32(xPtr, r + k, wPtr, o, rowBytes, vecBytes, yPtr, ldy);
    }
  }
  for (; r < rows; r++) {
    for (let o = 0; o < outCols; o++) dotF32(xPtr, r, wPtr, o, rowBytes, vecBytes, yPtr, ldy);
  }
}

@inline function lanesF32(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

@inline function tailF32(x: usize, w: usize, from: usize, to: usize): f32 {
  let s: f32 = 0;
  for (let i = from; i < to; i += 4) s += load<f32>(x + i) * load<f32>(w + i);
  return s;
}

function dotF32(xPtr: usize, r: i32, wPtr: usize, o: i32, rowBytes: usize, vecBytes: usize, yPtr: usize, ldy: i32): void {
  const x = xPtr + <usize>r * rowBytes;
  const w = wPtr + <usize>o * rowBytes;
  let a = f32x4.splat(0);
  for (let i: usize = 0; i < vecBytes; i += 16) a = f32x4.add(a, f32x4.mul(v128.load(x + i), v128.load(w + i)));
  store<f32>(yPtr + ((<usize>r * <usize>ldy + <usize>o) << 2), lanesF32(a) + tailF32(x, w, vecBytes, rowBytes));
}

/** Where the module's static data ends: callers place their arrays above it. */
export function heapBase(): usize {
  return __heap_base;
}
