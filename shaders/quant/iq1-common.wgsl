// Shared by IQ1_S and IQ1_M (core/quant/wasm/assembly/iq1-common.ts): stable sort of a sub-block, and the
// neighbour search of iq1_find_best_neighbour2 over the iq1s lattice tables of iq-search.wgsl.
// Quant values: x_p = {-1, 0, 1} + 1/8, x_m = {-1, 0, 1} - 1/8 (exact in float32).
//! include quant/iq-search.wgsl

var<private> iq1_order: array<u32, 32>;

const IQ1_X_P = array<u32, 3>(0xbf600000u, 0x3e000000u, 0x3f900000u); // -0.875, 0.125, 1.125
const IQ1_X_M = array<u32, 3>(0xbf900000u, 0xbe000000u, 0x3f600000u); // -1.125, -0.125, 0.875

fn iq1_value(level: u32, plus: bool) -> u32 {
  return select(IQ1_X_M[level], IQ1_X_P[level], plus);
}

// Indices of iq_sb[o..o+n) by ascending value; equal values keep their order (glibc's qsort here
// is a stable merge sort).
fn iq1_sort(o: u32, n: u32) {
  for (var j = 0u; j < n; j = j + 1u) {
    let v = iq_sb[o + j];
    var p = j;
    while (p > 0u && sf_gt(iq_sb[o + iq1_order[p - 1u]], v)) {
      iq1_order[p] = iq1_order[p - 1u];
      p = p - 1u;
    }
    iq1_order[p] = j;
  }
}

fn iq1_pack(lo: u32) -> u32 {
  var u = 0u;
  for (var i = 0u; i < 8u; i = i + 1u) { u = u | (iq_L[lo + i] << (2u * i)); }
  return u;
}

// The levels of the best split: in sorted order (iq1_order), positions before besti1 get 0,
// those before besti2 get 1, the rest 2.
fn iq1_split_levels(n: u32, besti1: i32, besti2: i32) {
  for (var j = 0u; j < n; j = j + 1u) {
    iq_L[iq1_order[j]] = select(select(2u, 1u, i32(j) < besti2), 0u, i32(j) < besti1);
  }
}

// Best neighbour of off-grid point u for the 8 values at iq_sb[xo..] with weights iq_w[lo..] and
// levels iq_L[lo..]; returns the grid index.
fn iq1_best_neighbour(u: u32, xo: u32, lo: u32, scale: u32, plus: bool) -> u32 {
  var prune = true;
  for (var i = 0u; i < 8u; i = i + 1u) {
    for (var l = 0u; l < 3u; l = l + 1u) {
      let diff = sf_sub(sf_mul(scale, iq1_value(l, plus)), iq_sb[xo + i]);
      let term = sf_mul(sf_mul(iq_w[lo + i], diff), diff);
      iq_terms[i * 8u + l] = term;
      if (!sf_le(SF_ZERO, term)) { prune = false; }
    }
  }
  // The IQ1 pipelines run iq-search.wgsl with IQ_DIM 8 and IQ_BITS 2, as this lattice has.
  let best_p = iq_least_error_neighbour(u, prune);
  let point = iq_grid_point(best_p);
  for (var j = 0u; j < 8u; j = j + 1u) { iq_L[lo + j] = (point >> (2u * j)) & 3u; }
  return best_p;
}
