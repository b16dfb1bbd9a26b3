// IQ3_S (110 bytes per 256): quantize_row_iq3_s_impl as core/quant/wasm/assembly/iq3.ts, with or without an
// imatrix. Two blocks per invocation (220 bytes). ggml's quirk kept: an all-zero sub-block writes
// nothing and does not advance the qs / signs cursors.
//! include common/byte-writer.wgsl
//! include quant/iq-search.wgsl
override WEIGHTED: bool = false;
const BLOCK_BYTES: u32 = 110u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 55u;

fn quantize_block(block: u32, pos: u32) {
  var scales: array<u32, 8>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(sf_mul(0x40000000u, iq_load_superblock(block)), 0x43800000u); // 2*sum/256
  var qs_o = pos + 2u;
  var signs_o = pos + 74u;
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    if (WEIGHTED) { iq_importance_weights(block, 32u * ib, 32u, sigma2); } else { iq_square_weights(32u * ib, 32u); }
    scales[ib] = SF_ZERO;
    let max_v = iq_prepare_subblock(32u * ib, 32u, false);
    if (sf_eq(max_v, SF_ZERO)) { continue; }
    let start = sf_div(max_v, 0x41700000u); // max/15
    let scale = iq_positive_scale(iq_search_scale(32u, 9, IQ_STEP_02, IQ_REFINE_ALL, max_v, start, false), 32u, false);
    for (var k = 0u; k < 8u; k = k + 1u) {
      let grid_index = iq_index_of(4u * k);
      out_put_byte(qs_o + k, grid_index & 255u);
      let bit = ib * 8u + k;
      out_put_byte(pos + 66u + (bit >> 3u), (grid_index >> 8u) << (bit % 8u));
    }
    qs_o = qs_o + 8u;
    for (var k = 0u; k < 4u; k = k + 1u) { out_put_byte(signs_o + k, iq_signs[k]); }
    signs_o = signs_o + 4u;
    scales[ib] = scale;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  if (sf_eq(max_scale, SF_ZERO)) { return; }
  let d = sf_div(max_scale, 0x41f80000u); // / 31
  out_put_u16(pos, sf_to_f16(sf_mul(d, 0x3f843958u))); // d * 1.033f
  let id = sf_div(SF_ONE, d);
  for (var ib = 0u; ib < 8u; ib = ib + 2u) {
    let l1 = iq_scale_code(id, scales[ib], 15);
    let l2 = iq_scale_code(id, scales[ib + 1u], 15);
    out_put_byte(pos + 106u + (ib >> 1u), l1 | (l2 << 4u));
  }
}
