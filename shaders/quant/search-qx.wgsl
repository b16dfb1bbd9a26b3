// ggml's make_qx_quants(n = 32, nmax, x, L, rmse_type = 1, qw = wb): symmetric levels with a
// scale search over 19 candidate inverse scales. Reads xb/wb, writes L (stored as l + nmax),
// returns the scale (f32 bits).

const GROUP_MAX_EPS: u32 = 0x26901d7du; // 1e-15f
const F32_0_1: u32 = 0x3dcccccdu;       // 0.1f

fn qx_levels_and_sums(iscale: u32, nmax: i32, levels: ptr<private, array<u32, 32>>) -> vec2<u32> {
  var sumlx = SF_ZERO;
  var suml2 = SF_ZERO;
  for (var i = 0u; i < QK; i = i + 1u) {
    let l = clamp(sf_nearest_int(sf_mul(iscale, xb[i])), -nmax, nmax - 1);
    (*levels)[i] = u32(l + nmax);
    let lf = sf_from_i32(l);
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
  var sums = qx_levels_and_sums(sf_div(sf_neg(nmaxf), max_v), nmax, &L);
  var scale = select(sf_div(sums.x, sums.y), SF_ZERO, sf_is_zero(sums.y));
  var best = sf_mul(scale, sums.x);
  for (var is = -9; is <= 9; is = is + 1) {
    if (is == 0) { continue; }
    let iscale = sf_div(sf_neg(sf_add(nmaxf, sf_mul(F32_0_1, sf_from_i32(is)))), max_v);
    sums = qx_levels_and_sums(iscale, nmax, &Laux);
    if (sf_gt(sums.y, SF_ZERO) && sf_gt(sf_mul(sums.x, sums.x), sf_mul(best, sums.y))) {
      L = Laux;
      scale = sf_div(sums.x, sums.y);
      best = sf_mul(scale, sums.x);
    }
  }
  return scale;
}
