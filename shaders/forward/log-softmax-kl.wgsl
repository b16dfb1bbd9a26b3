// Per row of logits (one workgroup per row): mode 0 turns the row into log-probabilities in place
// (the base model's reference); mode 1 writes KL(base ‖ this) of the row to kl[klOffset + row],
// with `reference` the base log-probabilities of the same rows. Only one float per row leaves
// the GPU, instead of a row of the vocabulary.
struct Params {
  rows: u32,
  vocab: u32,
  mode: u32,
  klOffset: u32,
}

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> reference: array<f32>;
@group(0) @binding(2) var<storage, read_write> kl: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const WG = 256u;
var<workgroup> partial: array<f32, 256>;

fn reduceMax(v: f32, l: u32) -> f32 {
  partial[l] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (l < stride) { partial[l] = max(partial[l], partial[l + stride]); }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(v: f32, l: u32) -> f32 {
  partial[l] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (l < stride) { partial[l] += partial[l + stride]; }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let l = lid.x;
  let row = wg.x + wg.y * nwg.x;
  // Uniform control flow for the barriers: out-of-range rows still take part, then write nothing.
  let live = row < p.rows;
  let base = row * p.vocab;
  var m = -3.4e38;
  if (live) {
    for (var i = l; i < p.vocab; i += WG) { m = max(m, logits[base + i]); }
  }
  m = reduceMax(m, l);
  var s = 0.0;
  if (live) {
    for (var i = l; i < p.vocab; i += WG) { s += exp(logits[base + i] - m); }
  }
  let norm = m + log(reduceSum(s, l));
  if (p.mode == 0u) {
    if (live) {
      for (var i = l; i < p.vocab; i += WG) { logits[base + i] = logits[base + i] - norm; }
    }
    return;
  }
  var d = 0.0;
  if (live) {
    for (var i = l; i < p.vocab; i += WG) {
      let lp = reference[base + i];
      d += exp(lp) * (lp - (logits[base + i] - norm));
    }
  }
  d = reduceSum(d, l);
  if (live && l == 0u) { kl[p.klOffset + row] = d; }
}
