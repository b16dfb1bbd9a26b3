// Causal grouped-query attention, one invocation per (row, head): scores q·k * scale (soft-capped
// when softcap > 0), keys outside the causal / sliding window skipped, softmax with the max
// subtracted, then the probability-weighted sum of v. Rows of all sequences lie back to back;
// seqStart[row] and positions[row] say where the row's sequence begins and where the row is in it.
// ROUND_F16 reproduces llama.cpp's F16 KV cache (q, k, v and the probabilities rounded to f16).
// With attention sinks (gpt-oss), each head's sink logit joins the max and the softmax's sum
// without a value, as ggml's soft_max does.
override ROUND_F16: bool = false;

struct Params {
  rows: u32,
  heads: u32,
  headsKv: u32,
  headDimK: u32,
  headDimV: u32,
  window: u32,
  scale: f32,
  softcap: f32,
  hasSinks: u32,
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> seqStart: array<u32>;
@group(0) @binding(4) var<storage, read> positions: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read> sinks: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;

const WG = 64u;
const MAX_HEAD_DIM_V = 512u;

// f32 -> f16 -> f32 with round-to-nearest-even, done on the bits: quantizeToF16's rounding is
// left to the implementation (SwiftShader's does not match ggml's). Overflow past 65504 is not
// handled: attention inputs and probabilities stay far below it.
fn roundToF16(x: f32) -> f32 {
  if (abs(x) < 6.103515625e-5) {
    // f16 subnormals are multiples of 2^-24; scaling by a power of two is exact, round() is half-to-even.
    return round(x * 16777216.0) / 16777216.0;
  }
  let b = bitcast<u32>(x);
  return bitcast<f32>((b + 0xfffu + ((b >> 13u) & 1u)) & 0xffffe000u);
}

fn roundKv(x: f32) -> f32 {
  if (ROUND_F16) { return roundToF16(x); }
  return x;
}

fn score(qBase: u32, key: u32) -> f32 {
  var dot = 0.0;
  for (var i = 0u; i < p.headDimK; i++) { dot += roundKv(q[qBase + i]) * roundKv(k[key + i]); }
  var s = dot * p.scale;
  if (p.softcap > 0.0) { s = tanh(clamp(s / p.softcap, -10.0, 10.0)) * p.softcap; }
  return s;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.rows * p.heads) { return; }
  let h = id % p.heads;
  let row = id / p.heads;
  let hk = h / (p.heads / p.headsKv);
  let t = positions[row];
  let first = seqStart[row];
  var firstKey = 0u;
  if (p.window > 0u && t + 1u > p.window) { firstKey = t + 1u - p.window; }
  let qBase = (row * p.heads + h) * p.headDimK;
  var m = -3.4e38;
  if (p.hasSinks != 0u) { m = sinks[h]; }
  for (var u = firstKey; u <= t; u++) {
    m = max(m, score(qBase, ((first + u) * p.headsKv + hk) * p.headDimK));
  }
  var sum = 0.0;
  for (var u = firstKey; u <= t; u++) {
    sum += exp(score(qBase, ((first + u) * p.headsKv + hk) * p.headDimK) - m);
  }
  if (p.hasSinks != 0u) { sum += exp(sinks[h] - m); }
  let inv = 1.0 / sum;
  var acc: array<f32, MAX_HEAD_DIM_V>;
  for (var u = firstKey; u <= t; u++) {
    let pr = roundKv(exp(score(qBase, ((first + u) * p.headsKv + hk) * p.headDimK) - m) * inv);
    let vBase = ((first + u) * p.headsKv + hk) * p.headDimV;
    for (var i = 0u; i < p.headDimV; i++) { acc[i] += pr * roundKv(v[vBase + i]); }
  }
  let oBase = (row * p.heads + h) * p.headDimV;
  for (var i = 0u; i < p.headDimV; i++) { out[oBase + i] = acc[i]; }
}
