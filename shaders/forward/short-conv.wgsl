// LFM2's short convolution between in_proj and out_proj, one invocation per (row, channel):
// y = c · Σ_k (b·x)[row - (taps-1) + k] · kernel[channel, k], the taps summed oldest first as
// ggml_ssm_conv does; taps before the row's sequence starts read the zero initial state.
// bcx holds in_proj's output per row: b, c and x, `channels` values each. positions[row] is the
// row's place in its sequence (rows of a sequence are consecutive).

struct Params {
  rows: u32,
  channels: u32,
  taps: u32,
}

@group(0) @binding(0) var<storage, read> bcx: array<f32>;
@group(0) @binding(1) var<storage, read> kernel: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.channels) { return; }
  let row = id / p.channels;
  let ch = id % p.channels;
  let stride = 3u * p.channels;
  let position = positions[row];
  var sum = 0.0;
  for (var k = 0u; k < p.taps; k++) {
    let back = p.taps - 1u - k;
    if (back <= position) {
      let src = (row - back) * stride;
      sum = sum + (bcx[src + ch] * bcx[src + 2u * p.channels + ch]) * kernel[ch * p.taps + k];
    }
  }
  y[id] = bcx[row * stride + p.channels + ch] * sum;
}
