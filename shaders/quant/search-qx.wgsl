// ggml's make_qx_quants(n = 32, nmax, x, L, rmse_type = 1, qw = wb): symmetric levels with a
// scale search over 19 candidate inverse scales. Reads xb/wb, writes L (stored as l + nmax),
// returns the scale (f32 bits).
//! include common/quant-bindings.wgsl

const GROUP_MAX_EPS: u32 = 0x26901d7du; // 1e-15f
const F32_0_1: u32 = 0x3dcccccdu;       // 0.1f

// Levels for one inverse scale; returns whether any differs from what `levels` held.
fn qx_levels(iscale: u32, nmax: i32, levels: ptr<private, array<u32, 32>>) -> bool {
  var changed = false;
  for (var i = 0u; i < QK; i = i + 1u) {
    let l = u32(clamp(sf_nearest_int(sf_mul(iscale, xb[i])), -nmax, nmax - 1) + nmax);
    changed = changed || (*levels)[i] != l;
    (*levels)[i] = l;
  }
  return changed;
}

// (sumlx, suml2) = (sum w*x*l, sum w*l*l) in ggml's order, l = level - nmax.
fn qx_sums(nmax: i32, levels: ptr<private, array<u32, 32>>) -> vec2<u32> {
  var sumlx = SF_ZERO;
  var suml2 = SF_ZERO;
  for (var i = 0u; i < QK; i = i + 1u) {
    let lf = sf_from_i32(i32((*levels)[i]) - nmax);
    let w = wb[i];
    sumlx = sf_add(sumlx, sf_mul(sf_mul(w, xb[i]), lf));
    suml2 = sf_add(suml2, sf_mul(sf_mul(w, lf), lf));
  }
  return vec2<u32>(sumlx, suml2);
}

fn make_qx_quants_weighted(nmax: i32) -> u32 {
  var max_v = SF_ZERO;
  var amax = SF_ZERO;
  for (var i = 0u; i < QK; i = i + 1u) {
    let ax = sf_abs(xb[i]);
    if (sf_gt(ax, amax)) {
      amax = ax;
      max_v = xb[i];
    }
  }
  if (sf_lt(amax, GROUP_MAX_EPS)) {
    for (var i = 0u; i < QK; i = i + 1u) { L[i] = 0u; }
    return SF_ZERO;
  }
  let nmaxf = sf_from_i32(nmax);
  qx_levels(sf_div(sf_neg(nmaxf), max_v), nmax, &L);
  var sums = qx_sums(nmax, &L);
  var scale = select(sf_div(sums.x, sums.y), SF_ZERO, sf_is_zero(sums.y));
  var best = sf_mul(scale, sums.x);
  Laux = L;
  for (var is = -9; is <= 9; is = is + 1) {
    if (is == 0) { continue; }
    let iscale = sf_div(sf_neg(sf_add(nmaxf, sf_mul(F32_0_1, sf_from_i32(is)))), max_v);
    // Levels equal to the last candidate's give the same sums, so the same verdict, and
    // accepting them again would change nothing: skipping is exact and saves most of the work.
    if (!qx_levels(iscale, nmax, &Laux)) { continue; }
    sums = qx_sums(nmax, &Laux);
    if (sf_gt(sums.y, SF_ZERO) && sf_gt(sf_mul(sums.x, sums.x), sf_mul(best, sums.y))) {
      L = Laux;
      scale = sf_div(sums.x, sums.y);
      best = sf_mul(scale, sums.x);
    }
  }
  return scale;
}
