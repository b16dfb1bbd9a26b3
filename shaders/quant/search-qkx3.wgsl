// ggml's make_qkx3_quants(n = 32, nmax, x, weights = wb, L, &the_min, Laux, rmin, rdelta, nstep,
// use_mad = false): asymmetric levels (scale and min) refined by weighted least squares over
// nstep + 1 candidate inverse scales. Returns (scale, the_min) as f32 bits; L holds 0..nmax.
//! include common/quant-bindings.wgsl

var<private> xm: array<u32, 32>; // x - min for the current min

fn qkx3_weighted_error(scale: u32, min_v: u32, levels: ptr<private, array<u32, 32>>) -> u32 {
  var err = SF_ZERO;
  for (var i = 0u; i < QK; i = i + 1u) {
    var diff = sf_sub(sf_add(sf_mul(scale, sf_from_i32(i32((*levels)[i]))), min_v), xb[i]);
    diff = sf_mul(diff, diff);
    err = sf_add(err, sf_mul(wb[i], diff));
  }
  return err;
}

fn make_qkx3_quants_weighted(nmax: i32, rmin: u32, rdelta: u32, nstep: i32) -> vec2<u32> {
  var min_v = xb[0];
  var max_v = xb[0];
  var sum_w = wb[0];
  var sum_x = sf_mul(sum_w, xb[0]);
  for (var i = 1u; i < QK; i = i + 1u) {
    if (sf_lt(xb[i], min_v)) { min_v = xb[i]; }
    if (sf_gt(xb[i], max_v)) { max_v = xb[i]; }
    let w = wb[i];
    sum_w = sf_add(sum_w, w);
    sum_x = sf_add(sum_x, sf_mul(w, xb[i]));
  }
  if (sf_gt(min_v, SF_ZERO)) { min_v = SF_ZERO; }
  if (sf_le(max_v, min_v)) {
    for (var i = 0u; i < QK; i = i + 1u) { L[i] = 0u; }
    return vec2<u32>(SF_ZERO, sf_neg(min_v));
  }
  let nmaxf = sf_from_i32(nmax);
  var iscale = sf_div(nmaxf, sf_sub(max_v, min_v));
  var scale = sf_div(SF_ONE, iscale);
  for (var i = 0u; i < QK; i = i + 1u) {
    xm[i] = sf_sub(xb[i], min_v);
    L[i] = u32(clamp(sf_nearest_int(sf_mul(iscale, xm[i])), 0, nmax));
  }
  var best_mad = qkx3_weighted_error(scale, min_v, &L);
  var sum_l = SF_ZERO;
  var sum_l2 = SF_ZERO;
  var sum_xl = SF_ZERO;
  for (var is = 0; is <= nstep; is = is + 1) {
    // A winning step replaces min, and ggml's later steps use the new one (range and x - min).
    iscale = sf_div(sf_add(sf_add(rmin, sf_mul(rdelta, sf_from_i32(is))), nmaxf), sf_sub(max_v, min_v));
    var changed = is == 0;
    for (var i = 0u; i < QK; i = i + 1u) {
      let l = u32(clamp(sf_nearest_int(sf_mul(iscale, xm[i])), 0, nmax));
      changed = changed || Laux[i] != l;
      Laux[i] = l;
    }
    // The sums, D, scale, min and error depend on the levels only: the same levels as the last
    // step give that step's error, which cannot be below best_mad now. Skipping is exact.
    if (!changed) { continue; }
    sum_l = SF_ZERO;
    sum_l2 = SF_ZERO;
    sum_xl = SF_ZERO;
    for (var i = 0u; i < QK; i = i + 1u) {
      let lf = sf_from_i32(i32(Laux[i]));
      let wl = sf_mul(wb[i], lf);
      sum_l = sf_add(sum_l, wl);
      sum_l2 = sf_add(sum_l2, sf_mul(wl, lf));
      sum_xl = sf_add(sum_xl, sf_mul(wl, xb[i]));
    }
    let D = sf_sub(sf_mul(sum_w, sum_l2), sf_mul(sum_l, sum_l));
    if (sf_gt(D, SF_ZERO)) {
      var this_scale = sf_div(sf_sub(sf_mul(sum_w, sum_xl), sf_mul(sum_x, sum_l)), D);
      var this_min = sf_div(sf_sub(sf_mul(sum_l2, sum_x), sf_mul(sum_l, sum_xl)), D);
      if (sf_gt(this_min, SF_ZERO)) {
        this_min = SF_ZERO;
        this_scale = sf_div(sum_xl, sum_l2);
      }
      let mad = qkx3_weighted_error(this_scale, this_min, &Laux);
      if (sf_lt(mad, best_mad)) {
        L = Laux;
        best_mad = mad;
        scale = this_scale;
        min_v = this_min;
        for (var i = 0u; i < QK; i = i + 1u) { xm[i] = sf_sub(xb[i], min_v); }
      }
    }
  }
  return vec2<u32>(scale, sf_neg(min_v));
}
