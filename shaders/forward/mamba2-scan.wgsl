// Mamba-2's selective scan (ggml_ssm_scan, Granite 4.0-h) with the skip term and the gate, one
// invocation per (sequence, head, head channel), walking the sequence's tokens in order with the
// channel's state (stateSize floats, zero at the sequence's start) in registers:
//   sp = softplus(dt + dt_bias[h]), dA = exp(sp · A[h]), s[n] = s[n]·dA + B[g, n]·(x·sp), y = Σ s[n]·C[g, n],
//   out = silu(z) · (y + x·D[h]), head h reading group g = h / (heads / groups).
// Invocations whose row does not start a sequence (positions[row] > 0) return at once.

struct Params {
  rows: u32,
  inner: u32,
  heads: u32,
  groups: u32,
  stateSize: u32,
  /** Values per in_proj row (z, xBC, dt) and per xbc row (x, B, C). */
  rowStride: u32,
  channels: u32,
}

@group(0) @binding(0) var<storage, read> zxbcdt: array<f32>;
@group(0) @binding(1) var<storage, read> xbc: array<f32>;
@group(0) @binding(2) var<storage, read> dtBias: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read> d: array<f32>;
@group(0) @binding(5) var<storage, read> positions: array<u32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;

const WG = 64u;
const MAX_STATE = 256u;

fn softplus(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  return log(1.0 + exp(x));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.inner) { return; }
  let start = id / p.inner;
  if (positions[start] != 0u) { return; }
  let ii = id % p.inner;
  let headDim = p.inner / p.heads;
  let h = ii / headDim;
  let g = h / (p.heads / p.groups);
  let bOffset = p.inner + g * p.stateSize;
  let cOffset = p.inner + p.groups * p.stateSize + g * p.stateSize;
  let dtOffset = p.inner + p.channels + h;
  var state: array<f32, MAX_STATE>;
  for (var row = start; row < p.rows && (row == start || positions[row] != 0u); row++) {
    let sp = softplus(zxbcdt[row * p.rowStride + dtOffset] + dtBias[h]);
    let dA = exp(sp * a[h]);
    let x = xbc[row * p.channels + ii];
    let xdt = x * sp;
    var sum = 0.0;
    for (var n = 0u; n < p.stateSize; n++) {
      let st = state[n] * dA + xbc[row * p.channels + bOffset + n] * xdt;
      sum = sum + st * xbc[row * p.channels + cOffset + n];
      state[n] = st;
    }
    let z = zxbcdt[row * p.rowStride + ii];
    y[row * p.inner + ii] = z / (1.0 + exp(-z)) * (sum + x * d[h]);
  }
}
