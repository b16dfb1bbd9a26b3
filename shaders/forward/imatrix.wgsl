// llama-imatrix's statistic: sums[offset + j] += x[r, j]² for every row in order, one invocation
// per column, so each column adds its rows in the same sequence as the CPU reference.
struct Params {
  rows: u32,
  cols: u32,
  sumOffset: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> sums: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.cols) { return; }
  var s = sums[p.sumOffset + j];
  for (var r = 0u; r < p.rows; r++) {
    let v = x[r * p.cols + j];
    s = s + v * v;
  }
  sums[p.sumOffset + j] = s;
}
