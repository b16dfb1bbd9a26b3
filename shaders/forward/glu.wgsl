// gate := act(gate) * up (SwiGLU when ACT = 0, GeGLU with ggml's tanh GELU when ACT = 1), or
// gpt-oss's clamped SwiGLU when ACT = 2 (ggml_swiglu_oai, alpha 1.702, limit 7):
// min(gate, 7)·σ(1.702·min(gate, 7))·(clamp(up, ±7) + 1).
override ACT: u32 = 0u;

struct Params {
  count: u32,
}

@group(0) @binding(0) var<storage, read_write> gate: array<f32>;
@group(0) @binding(1) var<storage, read> up: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const WG = 64u;
const GELU_COEF_A = 0.044715;
const SQRT_2_OVER_PI = 0.7978845608028654;
const OAI_ALPHA = 1.702;
const OAI_LIMIT = 7.0;

fn silu(v: f32) -> f32 {
  return v / (1.0 + exp(-v));
}

fn gelu(v: f32) -> f32 {
  // tanh saturates in f32 long before 10; the clamp keeps exp-based tanh implementations finite.
  let inner = clamp(SQRT_2_OVER_PI * v * (1.0 + GELU_COEF_A * v * v), -10.0, 10.0);
  return 0.5 * v * (1.0 + tanh(inner));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let g = gate[id];
  if (ACT == 2u) {
    let x = min(g, OAI_LIMIT);
    let y = clamp(up[id], -OAI_LIMIT, OAI_LIMIT);
    gate[id] = x / (1.0 + exp(OAI_ALPHA * -x)) * (y + 1.0);
    return;
  }
  var a = 0.0;
  if (ACT == 0u) { a = silu(g); } else { a = gelu(g); }
  gate[id] = a * up[id];
}
