// q4_0, q4_1, q5_0, q5_1: ggml's quantize_row_qX_Y_ref without an imatrix, and
// quantize_row_qX_Y_impl with one (make_qx_quants / make_qkx3_quants on importance weights).
// Entry point: main in common/byte-writer.wgsl.
//! include common/byte-writer.wgsl
//! include quant/search-qx.wgsl
//! include quant/search-qkx3.wgsl

override QBITS: u32 = 4u;          // 4 or 5
override ASYMMETRIC: bool = false; // _1 types store a min
override WEIGHTED: bool = false;   // imatrix given

override NMAX_SYM: u32 = 1u << (QBITS - 1u); // 8 or 16
override LEVELS: u32 = (1u << QBITS) - 1u;   // 15 or 31
override BLOCK_BYTES: u32 = 18u + select(0u, 2u, ASYMMETRIC) + select(0u, 4u, QBITS == 5u);
// 18- and 22-byte blocks go in pairs so every invocation owns whole output words.
override GROUP_BLOCKS: u32 = select(1u, 2u, (BLOCK_BYTES & 3u) != 0u);

const OUT_WORDS_MAX: u32 = 17u; // two 34-byte blocks at most
const F32_FLT_MAX: u32 = 0x7f7fffffu;
const F32_HALF: u32 = 0x3f000000u;
const F32_RMIN: u32 = 0xbf666666u;   // -0.9f
const F32_RDELTA: u32 = 0x3d4ccccdu; // 0.05f

// Returns (d, m) as f32 bits; fills L with 0..LEVELS.
fn quantize_symmetric_plain() -> vec2<u32> {
  var amax = SF_ZERO;
  var max_v = SF_ZERO;
  for (var j = 0u; j < QK; j = j + 1u) {
    let av = sf_abs(xb[j]);
    if (sf_lt(amax, av)) {
      amax = av;
      max_v = xb[j];
    }
  }
  let d = sf_div(max_v, sf_neg(sf_from_i32(i32(NMAX_SYM))));  // max / -8, max / -16
  let id = select(sf_div(SF_ONE, d), SF_ZERO, sf_is_zero(d));
  let bias = sf_add(sf_from_i32(i32(NMAX_SYM)), F32_HALF);     // 8.5f, 16.5f
  for (var j = 0u; j < QK; j = j + 1u) {
    let q = c_int8(sf_trunc_i32(sf_add(sf_mul(xb[j], id), bias)));
    L[j] = u32(c_uint8(min(i32(LEVELS), q)));
  }
  return vec2<u32>(d, SF_ZERO);
}

fn quantize_asymmetric_plain() -> vec2<u32> {
  var min_v = F32_FLT_MAX;
  var max_v = F32_FLT_MAX | SF_SIGN;
  for (var j = 0u; j < QK; j = j + 1u) {
    if (sf_lt(xb[j], min_v)) { min_v = xb[j]; }
    if (sf_gt(xb[j], max_v)) { max_v = xb[j]; }
  }
  let d = sf_div(sf_sub(max_v, min_v), sf_from_i32(i32(LEVELS)));
  let id = select(sf_div(SF_ONE, d), SF_ZERO, sf_is_zero(d));
  for (var j = 0u; j < QK; j = j + 1u) {
    let t = sf_trunc_i32(sf_add(sf_mul(sf_sub(xb[j], min_v), id), F32_HALF));
    if (QBITS == 4u) {
      L[j] = u32(c_uint8(min(15, c_int8(t))));  // MIN(15, (int8_t)(...))
    } else {
      L[j] = u32(c_uint8(t));                   // (uint8_t)(...)
    }
  }
  return vec2<u32>(d, min_v);
}

fn quantize_block(block: u32, pos: u32) {
  load_block(block);
  var dm: vec2<u32>;
  if (WEIGHTED) {
    load_importance_weights(block);
    if (ASYMMETRIC) {
      let scale_min = make_qkx3_quants_weighted(i32(LEVELS), F32_RMIN, F32_RDELTA, 36);
      dm = vec2<u32>(scale_min.x, sf_neg(scale_min.y)); // m = fp16(-the_min)
    } else {
      dm = vec2<u32>(make_qx_quants_weighted(i32(NMAX_SYM)), SF_ZERO);
    }
  } else if (ASYMMETRIC) {
    dm = quantize_asymmetric_plain();
  } else {
    dm = quantize_symmetric_plain();
  }
  var p = pos;
  out_put_u16(p, sf_to_f16(dm.x));
  p = p + 2u;
  if (ASYMMETRIC) {
    out_put_u16(p, sf_to_f16(dm.y));
    p = p + 2u;
  }
  if (QBITS == 5u) {
    var qh = 0u;
    for (var j = 0u; j < QK; j = j + 1u) { qh = qh | (((L[j] >> 4u) & 1u) << j); }
    out_put_u32(p, qh);
    p = p + 4u;
  }
  for (var j = 0u; j < 16u; j = j + 1u) {
    out_put_byte(p + j, (L[j] & 15u) | ((L[j + 16u] & 15u) << 4u));
  }
}
