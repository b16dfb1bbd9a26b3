// The MoE output added to the residual stream: hidden[r] += scale · Σ_k slots[r * used + k], the
// slots summed in order (as ggml adds the experts' views one after another), then scaled
// (Granite's residual scale; 1 otherwise), then added.
struct Params {
  rows: u32,
  cols: u32,
  used: u32,
  dstOffset: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> slots: array<f32>;
@group(0) @binding(1) var<storage, read_write> hidden: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.cols) { return; }
  let r = id / p.cols;
  let j = id - r * p.cols;
  var s = 0.0;
  for (var k = 0u; k < p.used; k++) {
    s = s + slots[(r * p.used + k) * p.cols + j];
  }
  hidden[p.dstOffset + id] = hidden[p.dstOffset + id] + s * p.scale;
}
