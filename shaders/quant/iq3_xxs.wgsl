// IQ3_XXS (98 bytes per 256): quantize_row_iq3_xxs_impl as core/quant/wasm/assembly/iq3.ts, with or
// without an imatrix. Two blocks per invocation (196 bytes).
//! include common/byte-writer.wgsl
//! include quant/iq-search.wgsl
override WEIGHTED: bool = false;
const BLOCK_BYTES: u32 = 98u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 49u;

fn quantize_block(block: u32, pos: u32) {
  var qs: array<u32, 64>;
  var sign_words: array<u32, 8>;
  var scales: array<u32, 8>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(sf_mul(0x40000000u, iq_load_superblock(block)), 0x43800000u); // 2*sum/256
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    if (WEIGHTED) { iq_importance_weights(block, 32u * ib, 32u, sigma2); } else { iq_square_weights(32u * ib, 32u); }
    scales[ib] = SF_ZERO;
    let max_v = iq_prepare_subblock(32u * ib, 32u, true);
    if (sf_lt(max_v, IQ_EPS_1E8)) { continue; }
    let start = sf_div(max_v, 0x41700000u); // max/15
    let scale = iq_positive_scale(iq_search_scale(32u, 15, IQ_STEP_02, IQ_REFINE_OFF_GRID, max_v, start, true), 32u, true);
    for (var k = 0u; k < 8u; k = k + 1u) { qs[8u * ib + k] = iq_index_of(4u * k); }
    sign_words[ib] = iq_signs[0] | (iq_signs[1] << 7u) | (iq_signs[2] << 14u) | (iq_signs[3] << 21u);
    scales[ib] = scale;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  if (sf_eq(max_scale, SF_ZERO)) { return; }
  let d = sf_div(max_scale, 0x41f80000u); // / 31
  out_put_u16(pos, sf_to_f16(sf_mul(d, 0x3f81999au))); // d * 1.0125f
  let id = sf_div(SF_ONE, d);
  for (var k = 0u; k < 64u; k = k + 1u) { out_put_byte(pos + 2u + k, qs[k]); }
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    out_put_u32(pos + 66u + 4u * ib, sign_words[ib] | (iq_scale_code(id, scales[ib], 15) << 28u));
  }
}
