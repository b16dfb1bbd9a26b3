// q3_K: quantize_row_q3_K_ref (make_q3_quants per 16, signed 6-bit scales) and
// quantize_row_q3_K_impl (imatrix: make_qx_quants on qw*sqrt(sigma2 + x^2), then on the scales).
// Layout {hmask[32], qs[64], scales[12], d}; two 110-byte super-blocks per invocation.
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
override WEIGHTED: bool = false;

const BLOCK_BYTES: u32 = 110u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 55u;

const F32_2: u32 = 0x40000000u;
const F32_256: u32 = 0x43800000u;
const F32_M32: u32 = 0xc2000000u; // -32.f

var<private> q3_scales: Vec256;
var<private> q3_sw: Vec256;
var<private> q3_ls: Vec256;

fn q3_pack_scale(bytes: ptr<function, array<u32, 12>>, j: u32, l: u32) {
  if (j < 8u) {
    (*bytes)[j] = l & 0xfu;
  } else {
    (*bytes)[j - 8u] = ((*bytes)[j - 8u] | ((l & 0xfu) << 4u)) & 0xffu;
  }
  (*bytes)[8u + j % 4u] = ((*bytes)[8u + j % 4u] | ((l >> 4u) << (2u * (j / 4u)))) & 0xffu;
}

fn quantize_block(block: u32, pos: u32) {
  kq_load(block);
  var sc: array<u32, 12>;
  var d_bits = 0u;
  if (WEIGHTED) {
    let sigma2 = sf_div(sf_mul(F32_2, kq_sum_sq()), F32_256);
    kq_importance_weights(block, sigma2);
    for (var j = 0u; j < 16u; j = j + 1u) {
      q3_sw[j] = kq_sum_range(&kw, 16u * j, 16u);
      q3_scales[j] = kq_make_qx(&kx, &kw, &kL, 16u * j, 16u, 4, true);
    }
    let d_block = kq_make_qx(&q3_scales, &q3_sw, &q3_ls, 0u, 16u, 32, true);
    for (var j = 0u; j < 16u; j = j + 1u) { q3_pack_scale(&sc, j, q3_ls[j]); }
    d_bits = sf_to_f16(d_block);
  } else {
    var max_scale = SF_ZERO;
    var amax = SF_ZERO;
    for (var j = 0u; j < 16u; j = j + 1u) {
      q3_scales[j] = kq_make_q3(16u * j, 16u, 4);
      let a = sf_abs(q3_scales[j]);
      if (sf_gt(a, amax)) { amax = a; max_scale = q3_scales[j]; }
    }
    if (!sf_is_zero(max_scale)) {
      let iscale = sf_div(F32_M32, max_scale);
      for (var j = 0u; j < 16u; j = j + 1u) {
        let l = clamp(c_int8(sf_nearest_int(sf_mul(iscale, q3_scales[j]))), -32, 31) + 32;
        q3_pack_scale(&sc, j, u32(l));
      }
      d_bits = sf_to_f16(sf_div(SF_ONE, iscale));
    }
  }
  let dh = sf_from_f16(d_bits);
  for (var j = 0u; j < 16u; j = j + 1u) {
    var s = select(sc[j - 8u] >> 4u, sc[j] & 0xfu, j < 8u);
    s = s | (((sc[8u + j % 4u] >> (2u * (j / 4u))) & 3u) << 4u);
    let d = sf_mul(dh, kq_fi(i32(s) - 32));
    if (sf_is_zero(d)) { continue; }
    for (var i = 0u; i < 16u; i = i + 1u) {
      kL[16u * j + i] = u32(clamp(sf_nearest_int(sf_div(kx[16u * j + i], d)), -4, 3) + 4);
    }
  }
  var hmask: array<u32, 32>;
  for (var j = 0u; j < QK_K; j = j + 1u) {
    if (kL[j] > 3u) {
      hmask[j % 32u] = hmask[j % 32u] | (1u << (j / 32u));
      kL[j] = kL[j] - 4u;
    }
  }
  for (var j = 0u; j < 32u; j = j + 1u) { out_put_byte(pos + j, hmask[j]); }
  for (var h = 0u; h < 2u; h = h + 1u) {
    for (var l = 0u; l < 32u; l = l + 1u) {
      let b = 128u * h + l;
      out_put_byte(pos + 32u + 32u * h + l, kL[b] | (kL[b + 32u] << 2u) | (kL[b + 64u] << 4u) | (kL[b + 96u] << 6u));
    }
  }
  for (var j = 0u; j < 12u; j = j + 1u) { out_put_byte(pos + 96u + j, sc[j]); }
  out_put_u16(pos + 108u, d_bits);
}
