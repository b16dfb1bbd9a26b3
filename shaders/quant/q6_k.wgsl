// q6_K: quantize_row_q6_K_ref / _impl: make_qx_quants(16, 32) per 16 elements with weights x^2,
// or the imatrix entries themselves; 8-bit signed scales against the largest |scale|.
// Layout {ql[128], qh[64], i8 scales[16], d}; two 210-byte super-blocks per invocation.
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
override WEIGHTED: bool = false;

const BLOCK_BYTES: u32 = 210u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 105u;

const F32_M128: u32 = 0xc3000000u; // -128.f

fn quantize_block(block: u32, pos: u32) {
  kq_load(block);
  if (WEIGHTED) {
    let col0 = kq_imatrix_col(block);
    for (var j = 0u; j < QK_K; j = j + 1u) { kw[j] = importance[col0 + j]; }
  }
  var scales: array<u32, 16>;
  var max_scale = SF_ZERO;
  var max_abs = SF_ZERO;
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    let s = kq_make_qx(&kx, &kw, &kL, 16u * ib, 16u, 32, WEIGHTED);
    scales[ib] = s;
    if (sf_gt(sf_abs(s), max_abs)) { max_abs = sf_abs(s); max_scale = s; }
  }
  if (sf_lt(max_abs, KQ_EPS)) { return; } // an all-zero block (out_words start cleared)
  let iscale = sf_div(F32_M128, max_scale);
  let d_bits = sf_to_f16(sf_div(SF_ONE, iscale));
  let dh = sf_from_f16(d_bits);
  var sc: array<i32, 16>;
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    sc[ib] = c_int8(min(127, sf_nearest_int(sf_mul(iscale, scales[ib]))));
  }
  for (var j = 0u; j < 16u; j = j + 1u) {
    let d = sf_mul(dh, kq_fi(sc[j]));
    if (sf_is_zero(d)) { continue; }
    for (var i = 0u; i < 16u; i = i + 1u) {
      kL[16u * j + i] = u32(clamp(sf_nearest_int(sf_div(kx[16u * j + i], d)), -32, 31) + 32);
    }
  }
  for (var h = 0u; h < 2u; h = h + 1u) {
    for (var l = 0u; l < 32u; l = l + 1u) {
      let b = 128u * h + l;
      out_put_byte(pos + 64u * h + l, (kL[b] & 15u) | ((kL[b + 64u] & 15u) << 4u));
      out_put_byte(pos + 64u * h + 32u + l, (kL[b + 32u] & 15u) | ((kL[b + 96u] & 15u) << 4u));
      out_put_byte(pos + 128u + 32u * h + l,
        ((kL[b] >> 4u) | ((kL[b + 32u] >> 4u) << 2u) | ((kL[b + 64u] >> 4u) << 4u) | ((kL[b + 96u] >> 4u) << 6u)) & 0xffu);
    }
  }
  for (var j = 0u; j < 16u; j = j + 1u) { out_put_byte(pos + 192u + j, u32(sc[j]) & 0xffu); }
  out_put_u16(pos + 208u, d_bits);
}
