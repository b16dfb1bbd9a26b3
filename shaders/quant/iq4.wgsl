// iq4_nl and iq4_xs: quantize_row_iq4_nl_impl with ntry = 7 (what quantize_iq4_nl/_xs run):
// non-linear 4-bit levels, a best scale per 32 found over 15 candidate inverse scales; xs adds
// 6-bit sub-scales under one fp16 d. NL: two 18-byte blocks per invocation; XS: one of 136.
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
override WEIGHTED: bool = false;
override XS: bool = false;

override SUPER: u32 = select(32u, 256u, XS);
override BLOCK_BYTES: u32 = select(18u, 136u, XS);
override GROUP_BLOCKS: u32 = select(2u, 1u, XS);
const OUT_WORDS_MAX: u32 = 34u;

const IQ4_VALUES = array<i32, 16>(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
const F32_M32: u32 = 0xc2000000u;  // -32.f
const F32_M127: u32 = 0xc2fe0000u; // values[0] as float
const IQ4_NTRY: i32 = 7;

fn iq4_value(i: i32) -> u32 { return kq_fi(IQ4_VALUES[i]); }

// best_index_int8(16, values, x): binary search, upper value on ties.
fn iq4_best_index(x: u32) -> u32 {
  if (sf_le(x, iq4_value(0))) { return 0u; }
  // x >= val[15], or NaN (every comparison false: ggml's search also ends at 15).
  if (!sf_lt(x, iq4_value(15))) { return 15u; }
  var ml = 0;
  var mu = 15;
  while (mu - ml > 1) {
    let mav = (ml + mu) / 2;
    if (sf_lt(x, iq4_value(mav))) { mu = mav; } else { ml = mav; }
  }
  return u32(select(mu, mu - 1, sf_lt(sf_sub(x, iq4_value(mu - 1)), sf_sub(iq4_value(mu), x))));
}

fn quantize_block(block: u32, pos: u32) {
  let base = block * SUPER;
  for (var j = 0u; j < SUPER; j = j + 1u) { kx[j] = src[base + j]; }
  var sigma2 = SF_ZERO;
  for (var j = 0u; j < SUPER; j = j + 1u) { sigma2 = sf_add(sigma2, sf_mul(kx[j], kx[j])); }
  sigma2 = sf_mul(sigma2, sf_div(0x40000000u, sf_from_i32(i32(SUPER)))); // *= 2.f/super_block_size
  let col0 = (block % (params.cols / SUPER)) * SUPER;
  let nb = SUPER / 32u;
  var scales: array<u32, 8>;
  var max_scale = SF_ZERO;
  var amax_scale = SF_ZERO;
  for (var ib = 0u; ib < nb; ib = ib + 1u) {
    let o = 32u * ib;
    for (var j = 0u; j < 32u; j = j + 1u) {
      let x = kx[o + j];
      if (WEIGHTED) {
        kw[o + j] = sf_mul(importance[col0 + o + j], sf_sqrt(sf_add(sigma2, sf_mul(x, x))));
      } else {
        kw[o + j] = sf_mul(x, x);
      }
    }
    var amax = SF_ZERO;
    var max_v = SF_ZERO;
    for (var j = 0u; j < 32u; j = j + 1u) {
      let ax = sf_abs(kx[o + j]);
      if (sf_gt(ax, amax)) { amax = ax; max_v = kx[o + j]; }
    }
    if (sf_lt(amax, KQ_EPS)) {
      scales[ib] = SF_ZERO;
      continue;
    }
    var d = sf_div(sf_neg(max_v), F32_M127);
    var id = sf_div(SF_ONE, d);
    var sumqx = SF_ZERO;
    var sumq2 = SF_ZERO;
    for (var j = 0u; j < 32u; j = j + 1u) {
      let q = iq4_value(i32(iq4_best_index(sf_mul(id, kx[o + j]))));
      let wq = sf_mul(kw[o + j], q);
      sumqx = sf_add(sumqx, sf_mul(wq, kx[o + j]));
      sumq2 = sf_add(sumq2, sf_mul(wq, q));
    }
    d = select(SF_ZERO, sf_div(sumqx, sumq2), sf_gt(sumq2, SF_ZERO));
    var best = sf_mul(d, sumqx);
    for (var itry = -IQ4_NTRY; itry <= IQ4_NTRY; itry = itry + 1) {
      id = sf_div(kq_fi(itry + IQ4_VALUES[0]), max_v);
      sumqx = SF_ZERO;
      sumq2 = SF_ZERO;
      for (var j = 0u; j < 32u; j = j + 1u) {
        let q = iq4_value(i32(iq4_best_index(sf_mul(id, kx[o + j]))));
        let wq = sf_mul(kw[o + j], q);
        sumqx = sf_add(sumqx, sf_mul(wq, kx[o + j]));
        sumq2 = sf_add(sumq2, sf_mul(wq, q));
      }
      if (sf_gt(sumq2, SF_ZERO) && sf_gt(sf_mul(sumqx, sumqx), sf_mul(best, sumq2))) {
        d = sf_div(sumqx, sumq2);
        best = sf_mul(d, sumqx);
      }
    }
    scales[ib] = d;
    if (sf_gt(sf_abs(d), amax_scale)) { amax_scale = sf_abs(d); max_scale = d; }
  }
  var p = pos;
  if (XS) {
    let d = sf_div(sf_neg(max_scale), 0x42000000u); // -max_scale/32
    let id = select(sf_div(SF_ONE, d), SF_ZERO, sf_is_zero(d));
    var scales_h = 0u;
    var scales_l: array<u32, 4>;
    for (var ib = 0u; ib < nb; ib = ib + 1u) {
      var l = clamp(sf_nearest_int(sf_mul(id, scales[ib])), -32, 31);
      let dl = sf_mul(d, kq_fi(l));
      let idl = select(sf_div(SF_ONE, dl), SF_ZERO, sf_is_zero(dl));
      for (var j = 0u; j < 32u; j = j + 1u) { kL[32u * ib + j] = iq4_best_index(sf_mul(idl, kx[32u * ib + j])); }
      let lu = u32(l + 32);
      scales_l[ib / 2u] = scales_l[ib / 2u] | ((lu & 0xfu) << (4u * (ib % 2u)));
      scales_h = scales_h | ((lu >> 4u) << (2u * ib));
    }
    out_put_u16(p, sf_to_f16(d));
    out_put_u16(p + 2u, scales_h);
    for (var i = 0u; i < 4u; i = i + 1u) { out_put_byte(p + 4u + i, scales_l[i]); }
    p = p + 8u;
  } else {
    let s = scales[0];
    let id = select(sf_div(SF_ONE, s), SF_ZERO, sf_is_zero(s));
    for (var j = 0u; j < 32u; j = j + 1u) { kL[j] = iq4_best_index(sf_mul(id, kx[j])); }
    out_put_u16(p, sf_to_f16(s));
    p = p + 2u;
  }
  for (var i = 0u; i < nb; i = i + 1u) {
    for (var j = 0u; j < 16u; j = j + 1u) {
      out_put_byte(p + 16u * i + j, kL[32u * i + j] | (kL[32u * i + 16u + j] << 4u));
    }
  }
}
