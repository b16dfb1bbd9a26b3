// q8_0 (quantize_row_q8_0_ref; ggml ignores the imatrix): d = amax/127, q = roundf(x * (1/d)).
// Two 34-byte blocks per invocation so it owns 17 whole output words (main: byte-writer.wgsl).
//! include common/byte-writer.wgsl

const BLOCK_BYTES: u32 = 34u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 17u; // two 34-byte blocks at most
const F32_127: u32 = 0x42fe0000u;

fn quantize_block(block: u32, pos: u32) {
  load_block(block);
  var amax = SF_ZERO;
  for (var j = 0u; j < QK; j = j + 1u) {
    let ax = sf_abs(xb[j]);
    amax = select(ax, amax, sf_gt(amax, ax)); // MAX(amax, fabsf(v))
  }
  let d = sf_div(amax, F32_127);
  let id = select(sf_div(SF_ONE, d), SF_ZERO, sf_is_zero(d));
  out_put_u16(pos, sf_to_f16(d));
  for (var j = 0u; j < QK; j = j + 1u) {
    out_put_byte(pos + 2u + j, u32(sf_roundf_i32(sf_mul(xb[j], id))));
  }
}
