// dst[row] (+)= x[row] * (1 / sqrt(mean(x[row]²) + eps)) * weight, one workgroup per row.
// The accumulate mode is Gemma's post-norm folded into the residual add.
struct Params {
  rows: u32,
  cols: u32,
  srcOffset: u32,
  dstOffset: u32,
  eps: f32,
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const WG = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let row = wg.x + wg.y * nwg.x;
  // Uniform control flow for the barriers: out-of-range rows still take part, then write nothing.
  let live = row < p.rows;
  let base = p.srcOffset + row * p.cols;
  var s = 0.0;
  if (live) {
    for (var i = l.x; i < p.cols; i += WG) {
      let v = src[base + i];
      s += v * v;
    }
  }
  partial[l.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (l.x < stride) { partial[l.x] += partial[l.x + stride]; }
    workgroupBarrier();
  }
  if (!live) { return; }
  let scale = 1.0 / sqrt(partial[0] / f32(p.cols) + p.eps);
  let out = p.dstOffset + row * p.cols;
  for (var i = l.x; i < p.cols; i += WG) {
    var v = (src[base + i] * scale) * weight[i];
    if (p.accumulate != 0u) { v += dst[out + i]; }
    dst[out + i] = v;
  }
}
