// q4_K and q5_K: quantize_row_qN_K_ref (make_qkx2 on av_x + |x|, 6-bit scales and mins against
// the largest) and quantize_row_qN_K_impl (imatrix: make_qkx3 on qw*sqrt(sigma2 + x^2), then
// make_qp_quants). Layouts {d, dmin, scales[12], (qh[32],) qs[128]}, one super-block per invocation.
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
override WEIGHTED: bool = false;
override QBITS: u32 = 4u;

override BLOCK_BYTES: u32 = select(144u, 176u, QBITS == 5u);
const GROUP_BLOCKS: u32 = 1u;
const OUT_WORDS_MAX: u32 = 44u;

const F32_2: u32 = 0x40000000u;
const F32_32: u32 = 0x42000000u;
const F32_63: u32 = 0x427c0000u;
const F32_256: u32 = 0x43800000u;
const F32_M1: u32 = 0xbf800000u;    // -1.f
const F32_M0_5: u32 = 0xbf000000u;  // -0.5f
const F32_M0_9: u32 = 0xbf666666u;  // -0.9f
const F32_0_05: u32 = 0x3d4ccccdu;  // 0.05f

var<private> k4_scales: Vec256;
var<private> k4_mins: Vec256;
var<private> k4_sw: Vec256;
var<private> k4_ls: Vec256;
var<private> k4_lm: Vec256;

fn k4_pack(bytes: ptr<function, array<u32, 12>>, j: u32, ls: u32, lm: u32) {
  if (j < 4u) {
    (*bytes)[j] = ls;
    (*bytes)[j + 4u] = lm;
  } else {
    (*bytes)[j + 4u] = ((ls & 0xfu) | ((lm & 0xfu) << 4u)) & 0xffu;
    (*bytes)[j - 4u] = ((*bytes)[j - 4u] | ((ls >> 4u) << 6u)) & 0xffu;
    (*bytes)[j] = ((*bytes)[j] | ((lm >> 4u) << 6u)) & 0xffu;
  }
}

// get_scale_min_k4
fn k4_scale_min(bytes: ptr<function, array<u32, 12>>, j: u32) -> vec2<u32> {
  if (j < 4u) { return vec2<u32>((*bytes)[j] & 63u, (*bytes)[j + 4u] & 63u); }
  return vec2<u32>(((*bytes)[j + 4u] & 0xfu) | (((*bytes)[j - 4u] >> 6u) << 4u),
                   ((*bytes)[j + 4u] >> 4u) | (((*bytes)[j] >> 6u) << 4u));
}

fn quantize_block(block: u32, pos: u32) {
  kq_load(block);
  let nmax = i32((1u << QBITS) - 1u);
  var sc: array<u32, 12>;
  var d_bits: u32;
  var dmin_bits: u32;
  if (WEIGHTED) {
    let sigma2 = sf_div(sf_mul(F32_2, kq_sum_sq()), F32_256);
    kq_importance_weights(block, sigma2);
    for (var j = 0u; j < 8u; j = j + 1u) {
      k4_sw[j] = kq_sum_range(&kw, 32u * j, 32u);
      let sm = kq_make_qkx(32u * j, 32u, nmax, F32_M0_9, F32_0_05, 36, false);
      k4_scales[j] = sm.x;
      k4_mins[j] = sm.y;
    }
    let d_block = kq_make_qp(&k4_scales, &k4_sw, &k4_ls, 8u, 63);
    let m_block = kq_make_qp(&k4_mins, &k4_sw, &k4_lm, 8u, 63);
    for (var j = 0u; j < 8u; j = j + 1u) {
      var ls = k4_ls[j];
      var lm = k4_lm[j];
      if (QBITS == 5u) { ls = min(63u, ls); lm = min(63u, lm); }
      k4_pack(&sc, j, ls, lm);
    }
    d_bits = sf_to_f16(d_block);
    dmin_bits = sf_to_f16(m_block);
  } else {
    var max_scale = SF_ZERO;
    var max_min = SF_ZERO;
    for (var j = 0u; j < 8u; j = j + 1u) {
      var sum_x2 = SF_ZERO;
      for (var l = 0u; l < 32u; l = l + 1u) { sum_x2 = sf_add(sum_x2, sf_mul(kx[32u * j + l], kx[32u * j + l])); }
      let av_x = sf_sqrt(sf_div(sum_x2, F32_32));
      for (var l = 0u; l < 32u; l = l + 1u) { kw[32u * j + l] = sf_add(av_x, sf_abs(kx[32u * j + l])); }
      var sm: vec2<u32>;
      if (QBITS == 5u) {
        sm = kq_make_qkx(32u * j, 32u, nmax, F32_M0_5, KQ_0_1, 15, false);
      } else {
        sm = kq_make_qkx(32u * j, 32u, nmax, F32_M1, KQ_0_1, 20, false);
      }
      k4_scales[j] = sm.x;
      k4_mins[j] = sm.y;
      if (sf_gt(sm.x, max_scale)) { max_scale = sm.x; }
      if (sf_gt(sm.y, max_min)) { max_min = sm.y; }
    }
    let inv_scale = select(SF_ZERO, sf_div(F32_63, max_scale), sf_gt(max_scale, SF_ZERO));
    let inv_min = select(SF_ZERO, sf_div(F32_63, max_min), sf_gt(max_min, SF_ZERO));
    for (var j = 0u; j < 8u; j = j + 1u) {
      let ls = min(63u, u32(sf_nearest_int(sf_mul(inv_scale, k4_scales[j]))) & 0xffu);
      let lm = min(63u, u32(sf_nearest_int(sf_mul(inv_min, k4_mins[j]))) & 0xffu);
      k4_pack(&sc, j, ls, lm);
    }
    d_bits = sf_to_f16(sf_div(max_scale, F32_63));
    dmin_bits = sf_to_f16(sf_div(max_min, F32_63));
  }
  let dh = sf_from_f16(d_bits);
  let mh = sf_from_f16(dmin_bits);
  for (var j = 0u; j < 8u; j = j + 1u) {
    let sm = k4_scale_min(&sc, j);
    let d = sf_mul(dh, kq_fi(i32(sm.x)));
    if (sf_is_zero(d)) { continue; }
    let dm = sf_mul(mh, kq_fi(i32(sm.y)));
    kq_requantize_asym(32u * j, 32u, d, dm, nmax);
  }
  out_put_u16(pos, d_bits);
  out_put_u16(pos + 2u, dmin_bits);
  for (var j = 0u; j < 12u; j = j + 1u) { out_put_byte(pos + 4u + j, sc[j]); }
  var qs = pos + 16u;
  if (QBITS == 5u) {
    var qh: array<u32, 32>;
    for (var g = 0u; g < 4u; g = g + 1u) {
      for (var l = 0u; l < 32u; l = l + 1u) {
        qh[l] = qh[l] | ((kL[64u * g + l] >> 4u) << (2u * g)) | ((kL[64u * g + 32u + l] >> 4u) << (2u * g + 1u));
      }
    }
    for (var l = 0u; l < 32u; l = l + 1u) { out_put_byte(qs + l, qh[l]); }
    qs = qs + 32u;
  }
  for (var g = 0u; g < 4u; g = g + 1u) {
    for (var l = 0u; l < 32u; l = l + 1u) {
      out_put_byte(qs + 32u * g + l, (kL[64u * g + l] & 15u) | ((kL[64u * g + 32u + l] & 15u) << 4u));
    }
  }
}
