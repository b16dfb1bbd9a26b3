// A MoE expert's input rows: dst[i] = src[token of pick i] for the `rows` picks of one expert,
// where a pick is token * used + slot (so token = pick / used).
struct Params {
  rows: u32,
  cols: u32,
  pickOffset: u32,
  used: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> picks: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.cols) { return; }
  let i = id / p.cols;
  let j = id - i * p.cols;
  let token = picks[p.pickOffset + i] / p.used;
  dst[id] = src[token * p.cols + j];
}
