// mxfp4 (quantize_row_mxfp4_ref; ggml ignores the imatrix): a shared power-of-two scale
// e = floor(log2f(amax)) - 2 + 127 and the nearest doubled-E2M1 value per element.
// Four 17-byte blocks per invocation. log2f is not computed: floor(log2f(amax)) comes from the
// exponent bits plus MXFP4_LOG2_ROUNDS_UP (mxfp4-log2-table.ts), which says how many floats just
// below each power of two a correctly rounded log2f rounds up to that power's exponent.
//! include common/byte-writer.wgsl
//! include generated/mxfp4-log2-table.wgsl
//! include quant/fp4-codes.wgsl
const BLOCK_BYTES: u32 = 17u;
const GROUP_BLOCKS: u32 = 4u;
const OUT_WORDS_MAX: u32 = 17u;

// floor(log2f(a)) for a finite a > 0.
fn mxfp4_floor_log2(a: u32) -> i32 {
  let e = (a >> 23u) & 0xffu;
  var k: i32;        // floor(log2(a)) exactly
  var below: u32;    // ulps from a up to 2^(k+1)
  if (e == 0u) {
    let top = 31u - countLeadingZeros(a);
    k = i32(top) - 149;
    below = (1u << (top + 1u)) - a;
  } else {
    k = i32(e) - 127;
    below = 0x800000u - (a & 0x7fffffu);
  }
  // k + 1 ranges over -148..128; the table starts at -148.
  if (below <= MXFP4_LOG2_ROUNDS_UP[k + 1 + 148]) { return k + 1; }
  return k;
}

// GGML_E8M0_TO_FP32_HALF: 2^(e-128), subnormal for e < 2.
fn mxfp4_scale(e: u32) -> u32 {
  if (e < 2u) { return 0x00200000u << e; }
  return (e - 1u) << 23u;
}

fn quantize_block(block: u32, pos: u32) {
  var xs: array<u32, 32>;
  var amax = SF_ZERO;
  for (var j = 0u; j < 32u; j = j + 1u) {
    xs[j] = src[block * 32u + j];
    if (sf_lt(amax, sf_abs(xs[j]))) { amax = sf_abs(xs[j]); }
  }
  var e = 0u;
  if (sf_gt(amax, SF_ZERO)) {
    // (uint8_t)(floorf(log2f(amax)) - 2 + 127): exact small integers; an out-of-range value
    // wraps as x86's int conversion then byte store does.
    if (amax == SF_INF) { e = 0u; } else { e = u32(mxfp4_floor_log2(amax) + 125) & 0xffu; }
  }
  let d = mxfp4_scale(e);
  out_put_byte(pos, e);
  for (var j = 0u; j < 16u; j = j + 1u) {
    out_put_byte(pos + 1u + j, fp4_best_index(xs[j], d) | (fp4_best_index(xs[j + 16u], d) << 4u));
  }
}
