// Rotary embedding in place over rows × heads × headDim, one invocation per rotated pair. The
// cos/sin tables come from the host (core/forward/rope.ts ropeTables) so the angles are the
// reference's bit for bit; positions[row] is the token's position in its own sequence.
struct Params {
  rows: u32,
  heads: u32,
  headDim: u32,
  pairs: u32,
  neox: u32,
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> positions: array<u32>;
@group(0) @binding(2) var<storage, read> cosTable: array<f32>;
@group(0) @binding(3) var<storage, read> sinTable: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.heads * p.pairs) { return; }
  let i = id % p.pairs;
  let head = (id / p.pairs) % p.heads;
  let row = id / (p.pairs * p.heads);
  let base = (row * p.heads + head) * p.headDim;
  var a = base + 2u * i;
  var b = a + 1u;
  if (p.neox != 0u) {
    a = base + i;
    b = a + p.pairs;
  }
  let t = positions[row] * p.pairs + i;
  let c = cosTable[t];
  let s = sinTable[t];
  let x0 = x[a];
  let x1 = x[b];
  x[a] = x0 * c - x1 * s;
  x[b] = x0 * s + x1 * c;
}
