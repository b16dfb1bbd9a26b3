// First pass of the imatrix paths of q4_0, q4_1, q5_0 and q5_1: sigma2 = sum(x^2) / n_per_row
// over the whole row, accumulated sequentially in float32 exactly as ggml does.
//! include common/softfloat.wgsl

struct SigmaParams {
  cols: u32,
  rows: u32,
  items: u32,
  units: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> row_sigma2: array<u32>;
@group(0) @binding(2) var<uniform> params: SigmaParams;

override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row = gid.x + gid.y * groups.x * WG_SIZE;
  if (row >= params.rows) { return; }
  var sum = SF_ZERO;
  let base = row * params.cols;
  for (var j = 0u; j < params.cols; j = j + 1u) {
    let x = src[base + j];
    sum = sf_add(sum, sf_mul(x, x));
  }
  row_sigma2[row] = sf_div(sum, sf_from_i32(i32(params.cols)));
}
