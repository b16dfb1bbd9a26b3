// y[yOffset + r * outStride + outOffset + o] (+)= x[r, :] · w[o, :] + bias[outOffset + o], optionally soft-capped.
// w is one row-chunk of a ggml weight [cols, outCols] (row o = output o's inputs, as in GGUF) in
// its stored format (weight-read.wgsl), decoded as each tile is loaded;
// 16x16 output tiles, K walked in 16-wide slices through workgroup memory.
//! include forward/matmul-io.wgsl

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
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.cols; k0 += T) {
    var xv = x_tile_value(wg.y * T + l.y, k0 + l.x);
    var wv = w_tile_value(wg.x * T + l.y, k0 + l.x);
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
  store_output(wg.y * T + l.y, wg.x * T + l.x, acc);
}
