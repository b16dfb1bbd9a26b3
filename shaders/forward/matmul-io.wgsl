// What both matmul kernels (matmul.wgsl, matmul-f16.wgsl) share: the uniform (forward-ops.ts
// matmulRows writes it in this order), the bindings, the guarded tile loads and the epilogue
// (bias, soft-cap, scale, accumulate, store). They differ only in the precision of their tiles.
//! include forward/weight-read.wgsl

struct MatmulParams {
  rows: u32,
  cols: u32,
  outCols: u32,
  outStride: u32,
  outOffset: u32,
  xOffset: u32,
  yOffset: u32,
  hasBias: u32,
  accumulate: u32,
  softcap: f32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: MatmulParams;

/** x[row, k], 0 outside the matrix. */
fn x_tile_value(row: u32, k: u32) -> f32 {
  if (row < p.rows && k < p.cols) { return x[p.xOffset + row * p.cols + k]; }
  return 0.0;
}

/** The weight's [out, k] in its stored format, 0 outside the matrix. */
fn w_tile_value(out: u32, k: u32) -> f32 {
  if (out < p.outCols && k < p.cols) { return weight_at(out, k); }
  return 0.0;
}

/** Bias, soft-cap, scale and accumulation on the sum of output (r, o), then the store. */
fn store_output(r: u32, o: u32, acc: f32) {
  if (r >= p.rows || o >= p.outCols) { return; }
  var v = acc;
  if (p.hasBias != 0u) { v += bias[p.outOffset + o]; }
  if (p.softcap > 0.0) { v = tanh(clamp(v / p.softcap, -10.0, 10.0)) * p.softcap; }
  if (p.scale != 1.0) { v *= p.scale; }
  let at = p.yOffset + r * p.outStride + p.outOffset + o;
  if (p.accumulate != 0u) { v += y[at]; }
  y[at] = v;
}
