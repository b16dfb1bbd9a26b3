// matmul.wgsl with f16 tiles: x and the decoded weight are stored as f16 in workgroup memory,
// products are computed in f16 and summed in f32 (an f16 sum over thousands of columns loses
// too much). Needs the 'shader-f16' feature; matmul.wgsl's ROUND_F16 reproduces its numerics.
//! include forward/enable-f16.wgsl
//! include forward/matmul-io.wgsl

const T = 16u;
var<workgroup> xs: array<array<f16, 17>, 16>;
var<workgroup> ws: array<array<f16, 17>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.cols; k0 += T) {
    xs[l.y][l.x] = f16(x_tile_value(wg.y * T + l.y, k0 + l.x));
    ws[l.y][l.x] = f16(w_tile_value(wg.x * T + l.y, k0 + l.x));
    workgroupBarrier();
    for (var kk = 0u; kk < T; kk++) { acc += f32(xs[l.y][kk] * ws[l.x][kk]); }
    workgroupBarrier();
  }
  store_output(wg.y * T + l.y, wg.x * T + l.x, acc);
}
