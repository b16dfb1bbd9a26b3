// matmul.wgsl with f16 tiles: x and the decoded weight are stored as f16 in workgroup memory,
// products are computed in f16 and summed in f32 (an f16 sum over thousands of columns loses
// too much). Needs the 'shader-f16' feature; matmul.wgsl's ROUND_F16 reproduces its numerics.
//! include forward/enable-f16.wgsl
//! include forward/matmul-params.wgsl
//! include forward/weight-read.wgsl

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: MatmulParams;

const T = 16u;
var<workgroup> xs: array<array<f16, 17>, 16>;
var<workgroup> ws: array<array<f16, 17>, 16>;

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
    xs[l.y][l.x] = f16(xv);
    ws[l.y][l.x] = f16(wv);
    workgroupBarrier();
    for (var kk = 0u; kk < T; kk++) { acc += f32(xs[l.y][kk] * ws[l.x][kk]); }
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
