// IQ2_S (82 bytes per 256): quantize_row_iq2_s_impl as core/quant/wasm/assembly/iq2.ts, with or without an
// imatrix. Two blocks per invocation (164 bytes).
//! include common/byte-writer.wgsl
//! include quant/iq-search.wgsl
override WEIGHTED: bool = false;
const BLOCK_BYTES: u32 = 82u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 41u;

fn quantize_block(block: u32, pos: u32) {
  var scales: array<u32, 16>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(sf_mul(0x40000000u, iq_load_superblock(block)), 0x43800000u); // 2*sum/256
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    if (WEIGHTED) {
      iq_importance_weights(block, 16u * ib, 16u, sigma2);
    } else {
      for (var i = 0u; i < 16u; i = i + 1u) {
        let v = iq_sb[16u * ib + i];
        iq_w[i] = sf_add(sf_mul(0x3e800000u, sigma2), sf_mul(v, v)); // 0.25*sigma2 + x*x
      }
    }
    scales[ib] = SF_ZERO;
    let max_v = iq_prepare_subblock(16u * ib, 16u, false);
    if (sf_lt(max_v, IQ_EPS_1E8)) { continue; }
    let start = sf_div(max_v, 0x40a00000u); // max/5
    let scale = iq_positive_scale(iq_search_scale(16u, 9, IQ_STEP_01, IQ_REFINE_OFF_GRID, max_v, start, true), 16u, false);
    for (var k = 0u; k < 2u; k = k + 1u) {
      let grid_index = iq_index_of(8u * k);
      let i8 = 2u * ib + k;
      out_put_byte(pos + 2u + i8, grid_index & 255u);
      out_put_byte(pos + 66u + (i8 >> 2u), (grid_index >> 8u) << (2u * (i8 % 4u)));
      out_put_byte(pos + 34u + i8, iq_signs[k]);
    }
    scales[ib] = scale;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  if (sf_eq(max_scale, SF_ZERO)) { return; }
  let d = sf_div(max_scale, 0x41f80000u); // / 31
  out_put_u16(pos, sf_to_f16(sf_mul(d, 0x3f7ccccdu))); // d * 0.9875f
  let id = sf_div(SF_ONE, d);
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    out_put_byte(pos + 74u + (ib >> 1u), iq_scale_code(id, scales[ib], 15) << (4u * (ib & 1u)));
  }
}
