// Shared by the IQ2_* / IQ3_* (and, for the table access, IQ1_*) quantizers: the lattice tables of
// src/gpu/iq-tables.ts, the super-block load and weights, the sign split, and the sub-block scale
// search of core/quant/wasm/assembly (iq-scale-search.ts, iq-neighbour.ts), float32 in ggml's order.
// One invocation per super-block; sub-blocks have at most 32 values.
//! include common/quant-bindings.wgsl

// [gridOff, mapOff, startOff, listOff | packed grid points | map | list starts | neighbour lists]
@group(0) @binding(5) var<storage, read> iq_table: array<u32>;

override IQ_DIM: u32 = 8u;       // coordinates per lattice point (8, or 4 for IQ3)
override IQ_BITS: u32 = 2u;      // bits per coordinate in a packed point
override IQ_MAX_LEVEL: u32 = 2u; // kMaxQ-1

const IQ_FLT_MAX: u32 = 0x7f7fffffu;
// The float32 constants of the IQ2/IQ3 quantizers (ggml's literals, as bits).
const IQ_EPS_1E8: u32 = 0x322bcc77u;  // 1e-8f: the empty-sub-block threshold of IQ2_S, IQ3_XXS
const IQ_EPS_1E15: u32 = 0x26901d7du; // 1e-15f: that of IQ2_XXS, IQ2_XS
const IQ_STEP_01: u32 = 0x3dcccccdu;  // 0.1f: the scale-search step of the IQ2_*
const IQ_STEP_02: u32 = 0x3e4ccccdu;  // 0.2f: that of the IQ3_*

var<private> iq_sb: array<u32, 256>; // the super-block's values
var<private> iq_x: array<u32, 32>;   // magnitudes of the sub-block (sign-parity adjusted)
var<private> iq_w: array<u32, 32>;   // weights
var<private> iq_wa: array<u32, 32>;  // sqrt of the weights
var<private> iq_L: array<u32, 32>;   // chosen levels
var<private> iq_Laux: array<u32, 32>;
var<private> iq_signs: array<u32, 4>;
var<private> iq_terms: array<u32, 64>; // per (coordinate, level) error terms of a neighbour search
var<private> iq_sum_qx: u32;
var<private> iq_sum_q2: u32;

fn iq_fi(i: i32) -> u32 { return sf_from_i32(i); }

fn iq_grid_point(p: u32) -> u32 { return iq_table[iq_table[0] + p]; }
// Grid index of a packed point, or -1 when it is off the grid.
fn iq_grid_index(u: u32) -> i32 { return bitcast<i32>(iq_table[iq_table[1] + u]); }

// Loads super-block `block` and returns sum of x*x (sequential float32).
fn iq_load_superblock(block: u32) -> u32 {
  var s = SF_ZERO;
  for (var j = 0u; j < 256u; j = j + 1u) {
    let v = src[block * 256u + j];
    iq_sb[j] = v;
    s = sf_add(s, sf_mul(v, v));
  }
  return s;
}

fn iq_imatrix_col(block: u32) -> u32 { return (block % (params.cols / 256u)) * 256u; }

// weight = qw * sqrtf(sigma2 + x*x) for the n values at offset o of the super-block.
fn iq_importance_weights(block: u32, o: u32, n: u32, sigma2: u32) {
  let col0 = iq_imatrix_col(block) + o;
  for (var i = 0u; i < n; i = i + 1u) {
    let v = iq_sb[o + i];
    iq_w[i] = sf_mul(importance[col0 + i], sf_sqrt(sf_add(sigma2, sf_mul(v, v))));
  }
}

fn iq_sqrt_weights(n: u32) {
  for (var i = 0u; i < n; i = i + 1u) { iq_wa[i] = sf_sqrt(iq_w[i]); }
}

// splitSigns: magnitudes into iq_x, sign bytes into iq_signs; with even_parity the least
// important value of a group with an odd count of negatives is negated instead (7 stored bits).
fn iq_split_signs(o: u32, n: u32, even_parity: bool) {
  for (var k = 0u; k < n / 8u; k = k + 1u) {
    var s = 0u;
    var nflip = 0u;
    for (var i = 0u; i < 8u; i = i + 1u) {
      let v = iq_sb[o + 8u * k + i];
      if (sf_le(SF_ZERO, v)) {
        iq_x[8u * k + i] = v;
      } else {
        iq_x[8u * k + i] = sf_neg(v);
        nflip = nflip + 1u;
        s = s | (1u << i);
      }
    }
    if (even_parity && (nflip & 1u) == 1u) {
      var imin = 0u;
      let v0 = iq_sb[o + 8u * k];
      var min_v = sf_mul(sf_mul(iq_w[8u * k], v0), v0);
      for (var i = 1u; i < 8u; i = i + 1u) {
        let v = iq_sb[o + 8u * k + i];
        let ax = sf_mul(sf_mul(iq_w[8u * k + i], v), v);
        if (sf_lt(ax, min_v)) {
          min_v = ax;
          imin = i;
        }
      }
      iq_x[8u * k + imin] = sf_neg(iq_x[8u * k + imin]);
      s = s ^ (1u << imin);
    }
    iq_signs[k] = select(s, s & 127u, even_parity);
  }
}

fn iq_max_of(n: u32) -> u32 {
  var m = iq_x[0];
  for (var i = 1u; i < n; i = i + 1u) { m = select(iq_x[i], m, sf_gt(m, iq_x[i])); }
  return m;
}

// The weights ggml uses without an imatrix in IQ3_*: x*x for the n values at offset o.
fn iq_square_weights(o: u32, n: u32) {
  for (var i = 0u; i < n; i = i + 1u) { iq_w[i] = sf_mul(iq_sb[o + i], iq_sb[o + i]); }
}

// The start of every IQ2/IQ3 sub-block search once iq_w is set: the square roots of the
// weights, the sign split; returns the largest magnitude.
fn iq_prepare_subblock(o: u32, n: u32, even_parity: bool) -> u32 {
  iq_sqrt_weights(n);
  iq_split_signs(o, n, even_parity);
  return iq_max_of(n);
}

// The search ran on magnitudes: a negative best scale means every sign of the sub-block flips.
fn iq_positive_scale(scale: u32, n: u32, even_parity: bool) -> u32 {
  if (!sf_lt(scale, SF_ZERO)) { return scale; }
  let mask = select(0xffu, 127u, even_parity);
  for (var k = 0u; k < n / 8u; k = k + 1u) { iq_signs[k] = ~iq_signs[k] & mask; }
  return sf_neg(scale);
}

// The walk over off-grid point u's neighbour list that the IQ2/IQ3 and IQ1 searches share: the
// candidate whose error, summed from iq_terms[coordinate * 8 + level], is least, in list order
// with a strict "<". `prune` (stop once a partial sum reaches the best) is exact only while every
// term is >= 0. Returns the grid index.
fn iq_least_error_neighbour(u: u32, prune: bool) -> u32 {
  let start = iq_table[iq_table[2] + u];
  let end = iq_table[iq_table[2] + u + 1u];
  let list = iq_table[3];
  let mask = (1u << IQ_BITS) - 1u;
  var best = IQ_FLT_MAX;
  var best_p = 0xffffffffu;
  for (var c = start; c < end; c = c + 1u) {
    let p = iq_table[list + c];
    let point = iq_grid_point(p);
    var d2 = SF_ZERO;
    var i = 0u;
    for (; i < IQ_DIM; i = i + 1u) {
      d2 = sf_add(d2, iq_terms[i * 8u + ((point >> (IQ_BITS * i)) & mask)]);
      if (prune && !sf_lt(d2, best)) { break; }
    }
    if (i == IQ_DIM && sf_lt(d2, best)) {
      best = d2;
      best_p = p;
    }
  }
  // No finite candidate (non-finite input): the CPU reference throws (ggml reads out of bounds);
  // keep the first candidate.
  if (best_p == 0xffffffffu) { best_p = iq_table[list + start]; }
  return best_p;
}

// iq2/iq3_find_best_neighbour: the neighbour of off-grid point u with the least weighted error at
// `scale`, in list order with a strict "<". Levels go to L[xo..]; returns the grid index.
fn iq_best_neighbour(u: u32, xo: u32, scale: u32, L: ptr<private, array<u32, 32>>) -> u32 {
  let levels = IQ_MAX_LEVEL + 1u;
  var prune = true;
  for (var i = 0u; i < IQ_DIM; i = i + 1u) {
    for (var l = 0u; l < levels; l = l + 1u) {
      let diff = sf_sub(sf_mul(scale, iq_fi(i32(2u * l + 1u))), iq_x[xo + i]);
      let term = sf_mul(sf_mul(iq_wa[xo + i], diff), diff);
      iq_terms[i * 8u + l] = term;
      if (!sf_le(SF_ZERO, term)) { prune = false; }
    }
  }
  let best_p = iq_least_error_neighbour(u, prune);
  let mask = (1u << IQ_BITS) - 1u;
  let point = iq_grid_point(best_p);
  for (var j = 0u; j < IQ_DIM; j = j + 1u) { (*L)[xo + j] = (point >> (IQ_BITS * j)) & mask; }
  return best_p;
}

// assignGridPoints: levels nearest_int(0.5*(id*x - 1)) clamped to 0..IQ_MAX_LEVEL for the groups
// set in `groups`; off-grid groups snap to their best neighbour. Returns the on-grid mask.
fn iq_assign(n: u32, groups: u32, id: u32, scale: u32, L: ptr<private, array<u32, 32>>) -> u32 {
  var on_grid = 0u;
  var k = 0u;
  for (var xo = 0u; xo < n; xo = xo + IQ_DIM) {
    if ((groups & (1u << k)) != 0u) {
      var u = 0u;
      for (var i = 0u; i < IQ_DIM; i = i + 1u) {
        let t = sf_mul(0x3f000000u, sf_sub(sf_mul(id, iq_x[xo + i]), SF_ONE));
        let l = u32(clamp(sf_nearest_int(t), 0, i32(IQ_MAX_LEVEL)));
        (*L)[xo + i] = l;
        u = u | (l << (IQ_BITS * i));
      }
      if (iq_grid_index(u) >= 0) {
        on_grid = on_grid | (1u << k);
      } else {
        iq_best_neighbour(u, xo, scale, L);
      }
    }
    k = k + 1u;
  }
  return on_grid;
}

// levelSums: sum w*x*q and sum w*q*q with q = 2L+1, into iq_sum_qx / iq_sum_q2.
fn iq_level_sums(n: u32, L: ptr<private, array<u32, 32>>) {
  var sqx = SF_ZERO;
  var sq2 = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let w = iq_w[i];
    let q = iq_fi(i32(2u * (*L)[i] + 1u));
    sqx = sf_add(sqx, sf_mul(sf_mul(w, iq_x[i]), q));
    sq2 = sf_add(sq2, sf_mul(sf_mul(w, q), q));
  }
  iq_sum_qx = sqx;
  iq_sum_q2 = sq2;
}

const IQ_REFINE_ALWAYS_ALL: u32 = 0u; // IQ2_XXS
const IQ_REFINE_ALL: u32 = 1u;        // IQ3_S: all groups when any was off the grid
const IQ_REFINE_OFF_GRID: u32 = 2u;   // the others: only the off-grid groups

// searchSubBlockScale: inverse scales (2*kMaxQ-1 + is*step)/denom for is in [-range, range];
// leaves the levels in iq_L and returns the (possibly negative) scale.
fn iq_search_scale(n: u32, range: i32, step: u32, refine: u32, denom: u32, start_scale: u32, start_on_grid: bool) -> u32 {
  let all = (1u << (n / IQ_DIM)) - 1u;
  let base = iq_fi(i32(2u * IQ_MAX_LEVEL + 1u));
  var best = SF_ZERO;
  var scale = start_scale;
  var on_grid = select(0u, all, start_on_grid);
  for (var i = 0u; i < n; i = i + 1u) { iq_L[i] = 0u; }
  for (var is = -range; is <= range; is = is + 1) {
    let id = sf_div(sf_add(base, sf_mul(iq_fi(is), step)), denom);
    let this_scale = sf_div(SF_ONE, id);
    let on_grid_aux = iq_assign(n, all, id, this_scale, &iq_Laux);
    iq_level_sums(n, &iq_Laux);
    let sumqx = iq_sum_qx;
    let sumq2 = iq_sum_q2;
    if (sf_gt(sumq2, SF_ZERO) && sf_gt(sf_mul(sumqx, sumqx), sf_mul(best, sumq2))) {
      scale = sf_div(sumqx, sumq2);
      best = sf_mul(scale, sumqx);
      for (var i = 0u; i < n; i = i + 1u) { iq_L[i] = iq_Laux[i]; }
      on_grid = on_grid_aux;
    }
  }
  var again = all;
  if (refine != IQ_REFINE_ALWAYS_ALL) {
    if (on_grid == all) {
      again = 0u;
    } else if (refine == IQ_REFINE_OFF_GRID) {
      again = all & ~on_grid;
    }
  }
  if (again != 0u && sf_gt(scale, SF_ZERO)) {
    iq_assign(n, again, sf_div(SF_ONE, scale), scale, &iq_L);
    iq_level_sums(n, &iq_L);
    if (sf_gt(iq_sum_q2, SF_ZERO)) { scale = sf_div(iq_sum_qx, iq_sum_q2); }
  }
  return scale;
}

// The grid index of the levels L[xo..xo+IQ_DIM) (on the grid after a search).
fn iq_index_of(xo: u32) -> u32 {
  var u = 0u;
  for (var i = 0u; i < IQ_DIM; i = i + 1u) { u = u | (iq_L[xo + i] << (IQ_BITS * i)); }
  return u32(max(iq_grid_index(u), 0));
}

// Sub-block scale code: clamp(nearest_int(0.5*(id*scale - 1)), 0, max_code).
fn iq_scale_code(id: u32, scale: u32, max_code: i32) -> u32 {
  let t = sf_mul(0x3f000000u, sf_sub(sf_mul(id, scale), SF_ONE));
  return u32(clamp(sf_nearest_int(t), 0, max_code));
}
