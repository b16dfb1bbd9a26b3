// q1_0 and q2_0 (quantize_row_q1_0_ref / _q2_0_ref; ggml's quantize_q1_0/q2_0 never let the
// imatrix change a byte). q1_0: 128 values, d = the mean magnitude (summed in element order), one
// sign bit per value (set for x >= 0). q2_0: 64 values, d = amax, 2-bit codes roundf(x/d) + 1
// clamped to 0..3. Both blocks are 18 bytes: two per invocation.
//! include common/byte-writer.wgsl
override Q1: bool = true;

const BLOCK_BYTES: u32 = 18u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 9u;

fn quantize_q1_0(block: u32, pos: u32) {
  let x0 = block * 128u;
  var sum = SF_ZERO;
  for (var j = 0u; j < 128u; j = j + 1u) { sum = sf_add(sum, sf_abs(src[x0 + j])); }
  out_put_u16(pos, sf_to_f16(sf_div(sum, 0x43000000u))); // sum_abs / 128
  for (var b = 0u; b < 16u; b = b + 1u) {
    var q = 0u;
    for (var k = 0u; k < 8u; k = k + 1u) {
      // x >= 0.0f: true for -0, false for NaN.
      if (sf_le(SF_ZERO, src[x0 + 8u * b + k])) { q = q | (1u << k); }
    }
    out_put_byte(pos + 2u + b, q);
  }
}

fn quantize_q2_0(block: u32, pos: u32) {
  let x0 = block * 64u;
  var amax = SF_ZERO;
  for (var j = 0u; j < 64u; j = j + 1u) {
    let a = sf_abs(src[x0 + j]);
    if (sf_gt(a, amax)) { amax = a; }
  }
  let id = select(SF_ZERO, sf_div(SF_ONE, amax), sf_gt(amax, SF_ZERO));
  out_put_u16(pos, sf_to_f16(amax));
  for (var b = 0u; b < 16u; b = b + 1u) {
    var q = 0u;
    for (var k = 0u; k < 4u; k = k + 1u) {
      // (int)roundf: INT_MIN for NaN and infinities, which the clamp takes to code 0.
      let c = clamp(sf_roundf_i32(sf_mul(src[x0 + 4u * b + k], id)) + 1, 0, 3);
      q = q | (u32(c) << (2u * k));
    }
    out_put_byte(pos + 2u + b, q);
  }
}

fn quantize_block(block: u32, pos: u32) {
  if (Q1) { quantize_q1_0(block, pos); } else { quantize_q2_0(block, pos); }
}
