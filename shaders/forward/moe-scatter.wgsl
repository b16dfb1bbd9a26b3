// A MoE expert's outputs into their (token, slot) places, each times the token's weight for
// that expert: slots[pick i] = src[i] * weights[pick i].
struct Params {
  rows: u32,
  cols: u32,
  pickOffset: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> picks: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> slots: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.cols) { return; }
  let i = id / p.cols;
  let j = id - i * p.cols;
  let pick = picks[p.pickOffset + i];
  slots[pick * p.cols + j] = src[id] * weights[pick];
}
