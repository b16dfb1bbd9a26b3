// nvfp4 (quantize_row_nvfp4_ref; ggml ignores the imatrix): 64 values as four 16-value
// sub-blocks, each with an unsigned E4M3 scale byte (ggml_fp32_to_ue4m3 of amax/6) and the
// nearest doubled-E2M1 codes for half that scale; byte j of a sub-block holds values j and j + 8.
// One 36-byte block per invocation.
//! include common/byte-writer.wgsl
//! include quant/fp4-codes.wgsl
const BLOCK_BYTES: u32 = 36u;
const GROUP_BLOCKS: u32 = 1u;
const OUT_WORDS_MAX: u32 = 9u;

// ggml_fp32_to_ue4m3 for x = amax / 6 (never negative; NaN gives 0): three mantissa bits
// rounded half up, 0x7e at and above 2^8, and below 2^-6 (int)(x*512 + 0.5) in float32, clamped.
fn nvfp4_ue4m3(x_in: u32) -> u32 {
  if (!sf_gt(x_in, SF_ZERO)) { return 0u; }
  let x = select(x_in, 0x43e00000u, sf_gt(x_in, 0x43e00000u)); // min(x, 448)
  var e = i32((x >> 23u) & 0xffu) - 120;
  if (e <= 0) {
    let man = sf_trunc_i32(sf_add(sf_mul(x, 0x44000000u), 0x3f000000u)); // x*512 + 0.5
    if (man < 1) { return 0u; }
    return u32(min(man, 7));
  }
  if (e >= 15) { return 0x7eu; }
  var man = ((x >> 20u) & 7u) + ((x >> 19u) & 1u);
  if (man > 7u) {
    man = 0u;
    e = e + 1;
    if (e >= 15) { return 0x7eu; }
  }
  return (u32(e) << 3u) | man;
}

// ggml_ue4m3_to_fp32: half the scale (a small integer times a power of two, exact).
fn nvfp4_scale_half(u: u32) -> u32 {
  if (u == 0u || u == 0x7fu) { return SF_ZERO; }
  let e = (u >> 3u) & 0xfu;
  let man = u & 7u;
  if (e == 0u) { return sf_mul(sf_from_i32(i32(man)), 117u << 23u); } // man * 2^-10
  return sf_mul(sf_from_i32(i32(8u + man)), (116u + e) << 23u);      // (8 + man) * 2^(e-11)
}

fn quantize_block(block: u32, pos: u32) {
  for (var s = 0u; s < 4u; s = s + 1u) {
    let x0 = block * 64u + 16u * s;
    var amax = SF_ZERO;
    for (var j = 0u; j < 16u; j = j + 1u) {
      let a = sf_abs(src[x0 + j]);
      if (sf_lt(amax, a)) { amax = a; }
    }
    let u = nvfp4_ue4m3(sf_div(amax, 0x40c00000u)); // amax / 6
    out_put_byte(pos + s, u);
    let d = nvfp4_scale_half(u);
    for (var j = 0u; j < 8u; j = j + 1u) {
      out_put_byte(pos + 4u + 8u * s + j, fp4_best_index(src[x0 + j], d) | (fp4_best_index(src[x0 + 8u + j], d) << 4u));
    }
  }
}
