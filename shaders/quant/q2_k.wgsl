// q2_K: quantize_row_q2_K_ref (no imatrix: make_qkx2 on |x|, mad error) and quantize_row_q2_K_impl
// (imatrix: make_qkx3 on qw*sqrt(sigma2 + x^2), then make_qp_quants for scales and mins).
// Layout {scales[16], qs[64], d, dmin}; one 84-byte super-block per invocation.
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
override WEIGHTED: bool = false;

const BLOCK_BYTES: u32 = 84u;
const GROUP_BLOCKS: u32 = 1u;
const OUT_WORDS_MAX: u32 = 21u;

const F32_15: u32 = 0x41700000u;
const F32_256: u32 = 0x43800000u;
const F32_M0_5: u32 = 0xbf000000u;  // -0.5f
const F32_M0_9: u32 = 0xbf666666u;  // -0.9f
const F32_0_05: u32 = 0x3d4ccccdu;  // 0.05f

var<private> q2_scales: Vec256;
var<private> q2_mins: Vec256;
var<private> q2_sw: Vec256;
var<private> q2_ls: Vec256;
var<private> q2_lm: Vec256;

fn quantize_block(block: u32, pos: u32) {
  kq_load(block);
  var sc_bytes: array<u32, 16>;
  var d_bits = 0u;
  var dmin_bits = 0u;
  if (WEIGHTED) {
    let sigma2 = sf_div(kq_sum_sq(), F32_256);
    kq_importance_weights(block, sigma2);
    for (var j = 0u; j < 16u; j = j + 1u) {
      q2_sw[j] = kq_sum_range(&kw, 16u * j, 16u);
      let sm = kq_make_qkx(16u * j, 16u, 3, F32_M0_9, F32_0_05, 36, false);
      q2_scales[j] = sm.x;
      q2_mins[j] = sm.y;
    }
    d_bits = sf_to_f16(kq_make_qp(&q2_scales, &q2_sw, &q2_ls, 16u, 15));
    dmin_bits = sf_to_f16(kq_make_qp(&q2_mins, &q2_sw, &q2_lm, 16u, 15));
    for (var j = 0u; j < 16u; j = j + 1u) { sc_bytes[j] = (q2_ls[j] | (q2_lm[j] << 4u)) & 0xffu; }
  } else {
    var max_scale = SF_ZERO;
    var max_min = SF_ZERO;
    for (var j = 0u; j < 16u; j = j + 1u) {
      for (var l = 0u; l < 16u; l = l + 1u) { kw[16u * j + l] = sf_abs(kx[16u * j + l]); }
      let sm = kq_make_qkx(16u * j, 16u, 3, F32_M0_5, KQ_0_1, 15, true);
      q2_scales[j] = sm.x;
      q2_mins[j] = sm.y;
      if (sf_gt(sm.x, max_scale)) { max_scale = sm.x; }
      if (sf_gt(sm.y, max_min)) { max_min = sm.y; }
    }
    if (sf_gt(max_scale, SF_ZERO)) {
      let iscale = sf_div(F32_15, max_scale);
      for (var j = 0u; j < 16u; j = j + 1u) { sc_bytes[j] = u32(sf_nearest_int(sf_mul(iscale, q2_scales[j]))) & 0xffu; }
      d_bits = sf_to_f16(sf_div(max_scale, F32_15));
    }
    if (sf_gt(max_min, SF_ZERO)) {
      let iscale = sf_div(F32_15, max_min);
      for (var j = 0u; j < 16u; j = j + 1u) {
        sc_bytes[j] = (sc_bytes[j] | (u32(sf_nearest_int(sf_mul(iscale, q2_mins[j]))) << 4u)) & 0xffu;
      }
      dmin_bits = sf_to_f16(sf_div(max_min, F32_15));
    }
  }
  let dh = sf_from_f16(d_bits);
  let mh = sf_from_f16(dmin_bits);
  for (var j = 0u; j < 16u; j = j + 1u) {
    let d = sf_mul(dh, kq_fi(i32(sc_bytes[j] & 15u)));
    if (sf_is_zero(d)) { continue; }
    let dm = sf_mul(mh, kq_fi(i32(sc_bytes[j] >> 4u)));
    kq_requantize_asym(16u * j, 16u, d, dm, 3);
  }
  for (var j = 0u; j < 16u; j = j + 1u) { out_put_byte(pos + j, sc_bytes[j]); }
  for (var h = 0u; h < 2u; h = h + 1u) {
    for (var l = 0u; l < 32u; l = l + 1u) {
      let b = 128u * h + l;
      out_put_byte(pos + 16u + 32u * h + l, kL[b] | (kL[b + 32u] << 2u) | (kL[b + 64u] << 4u) | (kL[b + 96u] << 6u));
    }
  }
  out_put_u16(pos + 80u, d_bits);
  out_put_u16(pos + 82u, dmin_bits);
}
