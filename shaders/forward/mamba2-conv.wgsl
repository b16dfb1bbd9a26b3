// Mamba-2's causal convolution over xBC (Granite 4.0-h), one invocation per (row, channel):
// xbc = silu(Σ_k xBC[row - (kernel-1) + k] · w[channel, k] + bias[channel]), the taps summed oldest
// first in float as ggml_ssm_conv does; taps before the row's sequence starts read the zero
// initial state. in_proj's output rows hold z (inner values), xBC (channels values), then dt.
// positions[row] is the row's place in its sequence (rows of a sequence are consecutive).

struct Params {
  rows: u32,
  channels: u32,
  taps: u32,
  /** Values per in_proj row, and where xBC starts in it. */
  rowStride: u32,
  xbcOffset: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<storage, read> zxbcdt: array<f32>;
@group(0) @binding(1) var<storage, read> kernel: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> positions: array<u32>;
@group(0) @binding(4) var<storage, read_write> xbc: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.channels) { return; }
  let row = id / p.channels;
  let ch = id % p.channels;
  let position = positions[row];
  var sum = 0.0;
  for (var k = 0u; k < p.taps; k++) {
    let back = p.taps - 1u - k;
    if (back <= position) {
      sum = sum + zxbcdt[(row - back) * p.rowStride + p.xbcOffset + ch] * kernel[ch * p.taps + k];
    }
  }
  if (p.hasBias != 0u) { sum = sum + bias[ch]; }
  xbc[id] = sum / (1.0 + exp(-sum));
}
