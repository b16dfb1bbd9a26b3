// IQ2_XS (74 bytes per 256): quantize_row_iq2_xs_impl as core/quant/wasm/assembly/iq2.ts. Two blocks per
// invocation (148 bytes). An imatrix is required (the CPU checks it before dispatch).
//! include common/byte-writer.wgsl
//! include quant/iq-search.wgsl
const BLOCK_BYTES: u32 = 74u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 37u;

fn quantize_block(block: u32, pos: u32) {
  var codes: array<u32, 32>;
  var scales: array<u32, 16>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(iq_load_superblock(block), 0x43800000u); // / 256
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    iq_importance_weights(block, 16u * ib, 16u, sigma2);
    scales[ib] = SF_ZERO;
    let max_v = iq_prepare_subblock(16u * ib, 16u, true);
    if (sf_lt(max_v, IQ_EPS_1E15)) { continue; }
    let start = sf_div(max_v, 0x40a00000u); // max/5
    let scale = iq_positive_scale(iq_search_scale(16u, 9, IQ_STEP_01, IQ_REFINE_OFF_GRID, max_v, start, true), 16u, true);
    for (var k = 0u; k < 2u; k = k + 1u) { codes[2u * ib + k] = iq_index_of(8u * k) | (iq_signs[k] << 9u); }
    scales[ib] = scale;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  if (sf_eq(max_scale, SF_ZERO)) { return; }
  let d = sf_div(max_scale, 0x41f80000u); // / 31
  out_put_u16(pos, sf_to_f16(d));
  let id = sf_div(SF_ONE, d);
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    out_put_byte(pos + 66u + (ib >> 1u), iq_scale_code(id, scales[ib], 15) << (4u * (ib & 1u)));
  }
  for (var w = 0u; w < 32u; w = w + 1u) { out_put_u16(pos + 2u + 2u * w, codes[w]); }
}
