// ggml's scale searches for the 256-element super-block types (q2_K..q6_K), generalised over an
// offset and length inside 256-entry private arrays: make_qx_quants, make_q3_quants,
// make_qkx2/qkx3_quants (one function: with weights given they are the same arithmetic) and
// make_qp_quants. Every float operation is softfloat, in ggml's order of evaluation.
//! include common/quant-bindings.wgsl
//! include common/float16.wgsl

const QK_K: u32 = 256u;
alias Vec256 = array<u32, 256>;

const KQ_EPS: u32 = 0x26901d7du;    // GROUP_MAX_EPS = 1e-15f
const KQ_0_1: u32 = 0x3dcccccdu;    // 0.1f

var<private> kx: Vec256;  // the super-block's values
var<private> kw: Vec256;  // weights of the current search
var<private> kL: Vec256;  // levels

fn kq_load(block: u32) {
  for (var j = 0u; j < QK_K; j = j + 1u) { kx[j] = src[block * QK_K + j]; }
}

// First importance column of a super-block (imatrix entries repeat for every row).
fn kq_imatrix_col(block: u32) -> u32 {
  return (block % (params.cols / QK_K)) * QK_K;
}

// Sequential float32 sum of x*x over the super-block.
fn kq_sum_sq() -> u32 {
  var s = SF_ZERO;
  for (var j = 0u; j < QK_K; j = j + 1u) { s = sf_add(s, sf_mul(kx[j], kx[j])); }
  return s;
}

// Weights qw[j] * sqrtf(sigma2 + x[j]*x[j]) for the whole super-block.
fn kq_importance_weights(block: u32, sigma2: u32) {
  let col0 = kq_imatrix_col(block);
  for (var j = 0u; j < QK_K; j = j + 1u) {
    kw[j] = sf_mul(importance[col0 + j], sf_sqrt(sf_add(sigma2, sf_mul(kx[j], kx[j]))));
  }
}

fn kq_sum_range(v: ptr<private, Vec256>, off: u32, n: u32) -> u32 {
  var s = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) { s = sf_add(s, (*v)[off + i]); }
  return s;
}

fn kq_fi(i: i32) -> u32 { return sf_from_i32(i); }

// make_qx_quants(n, nmax, x, L, rmse_type = 1, qw): weights w[off..] when `weighted`, else x^2.
// L gets l + nmax. Candidates with the same levels as the previous one give the same sums and so
// the same verdict, and re-accepting them changes nothing: skipping them is exact.
fn kq_make_qx(x: ptr<private, Vec256>, w: ptr<private, Vec256>, L: ptr<private, Vec256>,
              off: u32, n: u32, nmax: i32, weighted: bool) -> u32 {
  var max_v = SF_ZERO;
  var amax = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let ax = sf_abs((*x)[off + i]);
    if (sf_gt(ax, amax)) { amax = ax; max_v = (*x)[off + i]; }
  }
  if (sf_lt(amax, KQ_EPS)) {
    for (var i = 0u; i < n; i = i + 1u) { (*L)[off + i] = 0u; }
    return SF_ZERO;
  }
  let nmaxf = kq_fi(nmax);
  var aux: array<u32, 32>;
  var iscale = sf_div(sf_neg(nmaxf), max_v);
  var sumlx = SF_ZERO;
  var suml2 = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let xi = (*x)[off + i];
    let l = clamp(sf_nearest_int(sf_mul(iscale, xi)), -nmax, nmax - 1);
    (*L)[off + i] = u32(l + nmax);
    aux[i] = u32(l + nmax);
    let wi = select(sf_mul(xi, xi), (*w)[off + i], weighted);
    let lf = kq_fi(l);
    sumlx = sf_add(sumlx, sf_mul(sf_mul(wi, xi), lf));
    suml2 = sf_add(suml2, sf_mul(sf_mul(wi, lf), lf));
  }
  var scale = select(sf_div(sumlx, suml2), SF_ZERO, sf_is_zero(suml2));
  var best = sf_mul(scale, sumlx);
  for (var is = -9; is <= 9; is = is + 1) {
    if (is == 0) { continue; }
    iscale = sf_div(sf_neg(sf_add(nmaxf, sf_mul(KQ_0_1, kq_fi(is)))), max_v);
    var changed = false;
    sumlx = SF_ZERO;
    suml2 = SF_ZERO;
    for (var i = 0u; i < n; i = i + 1u) {
      let l = clamp(sf_nearest_int(sf_mul(iscale, (*x)[off + i])), -nmax, nmax - 1);
      changed = changed || aux[i] != u32(l + nmax);
      aux[i] = u32(l + nmax);
    }
    if (!changed) { continue; }
    for (var i = 0u; i < n; i = i + 1u) {
      let xi = (*x)[off + i];
      let wi = select(sf_mul(xi, xi), (*w)[off + i], weighted);
      let lf = kq_fi(i32(aux[i]) - nmax);
      sumlx = sf_add(sumlx, sf_mul(sf_mul(wi, xi), lf));
      suml2 = sf_add(suml2, sf_mul(sf_mul(wi, lf), lf));
    }
    if (sf_gt(suml2, SF_ZERO) && sf_gt(sf_mul(sumlx, sumlx), sf_mul(best, suml2))) {
      for (var i = 0u; i < n; i = i + 1u) { (*L)[off + i] = aux[i]; }
      scale = sf_div(sumlx, suml2);
      best = sf_mul(scale, sumlx);
    }
  }
  return scale;
}

// make_q3_quants(n, nmax, x, L, do_rmse = true): weights x^2, five greedy passes; L gets l + nmax
// (or 0 for an all-zero group).
fn kq_make_q3(off: u32, n: u32, nmax: i32) -> u32 {
  var max_v = SF_ZERO;
  var amax = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let ax = sf_abs(kx[off + i]);
    if (sf_gt(ax, amax)) { amax = ax; max_v = kx[off + i]; }
  }
  if (sf_lt(amax, KQ_EPS)) {
    for (var i = 0u; i < n; i = i + 1u) { kL[off + i] = 0u; }
    return SF_ZERO;
  }
  let iscale = sf_div(sf_neg(kq_fi(nmax)), max_v);
  var Li: array<i32, 32>;
  var sumlx = SF_ZERO;
  var suml2 = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let xi = kx[off + i];
    let l = clamp(sf_nearest_int(sf_mul(iscale, xi)), -nmax, nmax - 1);
    Li[i] = l;
    let wi = sf_mul(xi, xi);
    let lf = kq_fi(l);
    sumlx = sf_add(sumlx, sf_mul(sf_mul(wi, xi), lf));
    suml2 = sf_add(suml2, sf_mul(sf_mul(wi, lf), lf));
  }
  for (var itry = 0; itry < 5; itry = itry + 1) {
    var n_changed = 0;
    for (var i = 0u; i < n; i = i + 1u) {
      let xi = kx[off + i];
      let wi = sf_mul(xi, xi);
      let lf = kq_fi(Li[i]);
      var slx = sf_sub(sumlx, sf_mul(sf_mul(wi, xi), lf));
      if (sf_gt(slx, SF_ZERO)) {
        var sl2 = sf_sub(suml2, sf_mul(sf_mul(wi, lf), lf));
        let new_l = clamp(sf_nearest_int(sf_div(sf_mul(xi, sl2), slx)), -nmax, nmax - 1);
        if (new_l != Li[i]) {
          let nf = kq_fi(new_l);
          slx = sf_add(slx, sf_mul(sf_mul(wi, xi), nf));
          sl2 = sf_add(sl2, sf_mul(sf_mul(wi, nf), nf));
          if (sf_gt(sl2, SF_ZERO) &&
              sf_gt(sf_mul(sf_mul(slx, slx), suml2), sf_mul(sf_mul(sumlx, sumlx), sl2))) {
            Li[i] = new_l;
            sumlx = slx;
            suml2 = sl2;
            n_changed = n_changed + 1;
          }
        }
      }
    }
    if (n_changed == 0) { break; }
  }
  for (var i = 0u; i < n; i = i + 1u) { kL[off + i] = u32(Li[i] + nmax); }
  return select(SF_ZERO, sf_div(sumlx, suml2), sf_gt(suml2, SF_ZERO));
}

fn kq_weighted_error(off: u32, n: u32, scale: u32, min_v: u32, levels: ptr<function, array<u32, 32>>, use_mad: bool) -> u32 {
  var err = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    var diff = sf_sub(sf_add(sf_mul(scale, kq_fi(i32((*levels)[i]))), min_v), kx[off + i]);
    diff = select(sf_mul(diff, diff), sf_abs(diff), use_mad);
    err = sf_add(err, sf_mul(kw[off + i], diff));
  }
  return err;
}

// make_qkx2_quants / make_qkx3_quants with weights kw: returns (scale, the_min = -min); levels
// 0..nmax in kL. A winning step replaces min, and the later steps use the new one.
fn kq_make_qkx(off: u32, n: u32, nmax: i32, rmin: u32, rdelta: u32, nstep: i32, use_mad: bool) -> vec2<u32> {
  var min_v = kx[off];
  var max_v = kx[off];
  var sum_w = kw[off];
  var sum_x = sf_mul(sum_w, kx[off]);
  for (var i = 1u; i < n; i = i + 1u) {
    let xi = kx[off + i];
    if (sf_lt(xi, min_v)) { min_v = xi; }
    if (sf_gt(xi, max_v)) { max_v = xi; }
    let w = kw[off + i];
    sum_w = sf_add(sum_w, w);
    sum_x = sf_add(sum_x, sf_mul(w, xi));
  }
  if (sf_gt(min_v, SF_ZERO)) { min_v = SF_ZERO; }
  if (!sf_gt(max_v, min_v)) {
    for (var i = 0u; i < n; i = i + 1u) { kL[off + i] = 0u; }
    return vec2<u32>(SF_ZERO, sf_neg(min_v));
  }
  let nmaxf = kq_fi(nmax);
  var iscale = sf_div(nmaxf, sf_sub(max_v, min_v));
  var scale = sf_div(SF_ONE, iscale);
  var cur: array<u32, 32>;
  var aux: array<u32, 32>;
  for (var i = 0u; i < n; i = i + 1u) {
    cur[i] = u32(clamp(sf_nearest_int(sf_mul(iscale, sf_sub(kx[off + i], min_v))), 0, nmax));
  }
  var best = kq_weighted_error(off, n, scale, min_v, &cur, use_mad);
  for (var is = 0; is <= nstep; is = is + 1) {
    iscale = sf_div(sf_add(sf_add(rmin, sf_mul(rdelta, kq_fi(is))), nmaxf), sf_sub(max_v, min_v));
    var changed = is == 0;
    for (var i = 0u; i < n; i = i + 1u) {
      let l = u32(clamp(sf_nearest_int(sf_mul(iscale, sf_sub(kx[off + i], min_v))), 0, nmax));
      changed = changed || aux[i] != l;
      aux[i] = l;
    }
    // The sums, D, scale, min and error depend on the levels only: equal levels repeat the last
    // step's verdict, which cannot beat best now. Skipping is exact.
    if (!changed) { continue; }
    var sum_l = SF_ZERO;
    var sum_l2 = SF_ZERO;
    var sum_xl = SF_ZERO;
    for (var i = 0u; i < n; i = i + 1u) {
      let lf = kq_fi(i32(aux[i]));
      let wl = sf_mul(kw[off + i], lf);
      sum_l = sf_add(sum_l, wl);
      sum_l2 = sf_add(sum_l2, sf_mul(wl, lf));
      sum_xl = sf_add(sum_xl, sf_mul(wl, kx[off + i]));
    }
    let D = sf_sub(sf_mul(sum_w, sum_l2), sf_mul(sum_l, sum_l));
    if (sf_gt(D, SF_ZERO)) {
      var this_scale = sf_div(sf_sub(sf_mul(sum_w, sum_xl), sf_mul(sum_x, sum_l)), D);
      var this_min = sf_div(sf_sub(sf_mul(sum_l2, sum_x), sf_mul(sum_l, sum_xl)), D);
      if (sf_gt(this_min, SF_ZERO)) {
        this_min = SF_ZERO;
        this_scale = sf_div(sum_xl, sum_l2);
      }
      let err = kq_weighted_error(off, n, this_scale, this_min, &aux, use_mad);
      if (sf_lt(err, best)) {
        cur = aux;
        best = err;
        scale = this_scale;
        min_v = this_min;
      }
    }
  }
  for (var i = 0u; i < n; i = i + 1u) { kL[off + i] = cur[i]; }
  return vec2<u32>(scale, sf_neg(min_v));
}

// make_qp_quants(n, nmax, x >= 0, L, quant_weights = w) over x[0..n). L holds uint8_t values.
fn kq_make_qp(x: ptr<private, Vec256>, w: ptr<private, Vec256>, L: ptr<private, Vec256>, n: u32, nmax: i32) -> u32 {
  var max_v = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) { max_v = select((*x)[i], max_v, sf_gt(max_v, (*x)[i])); }
  if (sf_lt(max_v, KQ_EPS)) {
    for (var i = 0u; i < n; i = i + 1u) { (*L)[i] = 0u; }
    return SF_ZERO;
  }
  let nmaxf = kq_fi(nmax);
  var iscale = sf_div(nmaxf, max_v);
  for (var i = 0u; i < n; i = i + 1u) { (*L)[i] = u32(sf_nearest_int(sf_mul(iscale, (*x)[i]))) & 0xffu; }
  let scale = sf_div(SF_ONE, iscale);
  var best_mse = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let diff = sf_sub((*x)[i], sf_mul(scale, kq_fi(i32((*L)[i]))));
    best_mse = sf_add(best_mse, sf_mul(sf_mul((*w)[i], diff), diff));
  }
  for (var is = -4; is <= 4; is = is + 1) {
    if (is == 0) { continue; }
    let iscale_is = sf_div(sf_add(sf_mul(KQ_0_1, kq_fi(is)), nmaxf), max_v);
    let scale_is = sf_div(SF_ONE, iscale_is);
    var mse = SF_ZERO;
    for (var i = 0u; i < n; i = i + 1u) {
      let l = min(nmax, sf_nearest_int(sf_mul(iscale_is, (*x)[i])));
      let diff = sf_sub((*x)[i], sf_mul(scale_is, kq_fi(l)));
      mse = sf_add(mse, sf_mul(sf_mul((*w)[i], diff), diff));
    }
    if (sf_lt(mse, best_mse)) {
      best_mse = mse;
      iscale = iscale_is;
    }
  }
  var sumlx = SF_ZERO;
  var suml2 = SF_ZERO;
  for (var i = 0u; i < n; i = i + 1u) {
    let l = min(nmax, sf_nearest_int(sf_mul(iscale, (*x)[i])));
    (*L)[i] = u32(l) & 0xffu;
    let lf = kq_fi(l);
    sumlx = sf_add(sumlx, sf_mul(sf_mul((*w)[i], (*x)[i]), lf));
    suml2 = sf_add(suml2, sf_mul(sf_mul((*w)[i], lf), lf));
  }
  for (var itry = 0; itry < 5; itry = itry + 1) {
    var n_changed = 0;
    for (var i = 0u; i < n; i = i + 1u) {
      let wi = (*w)[i];
      let xi = (*x)[i];
      let lf = kq_fi(i32((*L)[i]));
      var slx = sf_sub(sumlx, sf_mul(sf_mul(wi, xi), lf));
      var sl2 = sf_sub(suml2, sf_mul(sf_mul(wi, lf), lf));
      if (sf_gt(slx, SF_ZERO) && sf_gt(sl2, SF_ZERO)) {
        let new_l = min(nmax, sf_nearest_int(sf_div(sf_mul(xi, sl2), slx)));
        if (new_l != i32((*L)[i])) {
          let nf = kq_fi(new_l);
          slx = sf_add(slx, sf_mul(sf_mul(wi, xi), nf));
          sl2 = sf_add(sl2, sf_mul(sf_mul(wi, nf), nf));
          if (sf_gt(sf_mul(sf_mul(slx, slx), suml2), sf_mul(sf_mul(sumlx, sumlx), sl2))) {
            (*L)[i] = u32(new_l) & 0xffu;
            sumlx = slx;
            suml2 = sl2;
            n_changed = n_changed + 1;
          }
        }
      }
    }
    if (n_changed == 0) { break; }
  }
  return select(SF_ZERO, sf_div(sumlx, suml2), sf_gt(suml2, SF_ZERO));
}

// The asymmetric final pass (q2_K, q4_K, q5_K): L = clamp(nearest_int((x + dm)/d), 0, nmax).
fn kq_requantize_asym(off: u32, n: u32, d: u32, dm: u32, nmax: i32) {
  for (var i = 0u; i < n; i = i + 1u) {
    kL[off + i] = u32(clamp(sf_nearest_int(sf_div(sf_add(kx[off + i], dm), d)), 0, nmax));
  }
}
