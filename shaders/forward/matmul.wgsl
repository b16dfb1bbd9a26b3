// y[yOffset + r * outStride + outOffset + o] (+)= x[r, :] · w[o, :] + bias[outOffset + o], optionally soft-capped.
// w is one row-chunk of a ggml weight [cols, outCols] (row o = output o's inputs, as in GGUF) in
// its stored format (weight-read.wgsl), decoded as each tile is loaded;
// 16x16 output tiles, K walked in 16-wide slices through workgroup memory.
//! include forward/matmul-params.wgsl
//! include forward/weight-read.wgsl

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: MatmulParams;

// 1: round each tile value and each product to f16 (then sum in f32), as matmul-f16.wgsl does
// natively: the numerics of the f16 variant, measurable on an adapter without shader-f16.
override ROUND_F16: u32 = 0u;

const T = 16u;
// +1 column keeps the transposed reads of the inner loop off a single bank.
var<workgroup> xs: array<array<f32, 17>, 16>;
var<workgroup> ws: array<array<f32, 17>, 16>;

fn to_f16(v: f32) -> f32 { return unpack2x16float(pack2x16float(vec2f(v, 0.0))).x; }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let o = wg.x * T + l.x;
  let r = wg.y * T + l.y;
  let loadRow = wg.y * T + l.y;
  let loadOut = wg.x * T + l.y;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.cols; k0 += T) {
    let k = k0 + l.x;
    var xv = 0.0;
    if (loadRow < p.rows && k < p.cols) { xv = x[p.xOffset + loadRow * p.cols + k]; }
    var wv = 0.0;
    if (loadOut < p.outCols && k < p.cols) { wv = weight_at(loadOut, k); }
    if (ROUND_F16 != 0u) { xv = to_f16(xv); wv = to_f16(wv); }
    xs[l.y][l.x] = xv;
    ws[l.y][l.x] = wv;
    workgroupBarrier();
    if (ROUND_F16 != 0u) {
      for (var kk = 0u; kk < T; kk++) { acc += to_f16(xs[l.y][kk] * ws[l.x][kk]); }
    } else {
      for (var kk = 0u; kk < T; kk++) { acc += xs[l.y][kk] * ws[l.x][kk]; }
    }
    workgroupBarrier();
  }
  if (r >= p.rows || o >= p.outCols) { return; }
  var v = acc;
  if (p.hasBias != 0u) { v += bias[p.outOffset + o]; }
  if (p.softcap > 0.0) { v = tanh(clamp(v / p.softcap, -10.0, 10.0)) * p.softcap; }
  let at = p.yOffset + r * p.outStride + p.outOffset + o;
  if (p.accumulate != 0u) { v += y[at]; }
  y[at] = v;
}
