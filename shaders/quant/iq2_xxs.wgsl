// IQ2_XXS (66 bytes per 256): quantize_row_iq2_xxs_impl as core/quant/wasm/assembly/iq2.ts. Two blocks per
// invocation (132 bytes). An imatrix is required (the CPU checks it before dispatch).
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
//! include quant/iq-search.wgsl
const BLOCK_BYTES: u32 = 66u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 33u;

fn quantize_block(block: u32, pos: u32) {
  var words: array<u32, 16>;
  var scales: array<u32, 8>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(iq_load_superblock(block), 0x43800000u); // / 256
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    iq_importance_weights(block, 32u * ib, 32u, sigma2);
    scales[ib] = SF_ZERO;
    if (sf_lt(iq_prepare_subblock(32u * ib, 32u, true), IQ_EPS_1E15)) { continue; }
    for (var i = 0u; i < 32u; i = i + 1u) {
      kx[i] = iq_x[i];
      kw[i] = iq_w[i];
    }
    let qp_scale = kq_make_qp(&kx, &kw, &kL, 32u, 4);
    let eff_max = sf_mul(qp_scale, 0x40400000u); // * 3
    if (!sf_gt(eff_max, SF_ZERO)) { continue; }
    let scale = iq_positive_scale(iq_search_scale(32u, 6, IQ_STEP_01, IQ_REFINE_ALWAYS_ALL, eff_max, qp_scale, true), 32u, true);
    var index_word = 0u;
    var sign_word = 0u;
    for (var k = 0u; k < 4u; k = k + 1u) {
      index_word = index_word | (iq_index_of(8u * k) << (8u * k));
      sign_word = sign_word | (iq_signs[k] << (7u * k));
    }
    words[2u * ib] = index_word;
    words[2u * ib + 1u] = sign_word;
    scales[ib] = scale;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  if (sf_eq(max_scale, SF_ZERO)) { return; }
  let d = sf_div(max_scale, 0x41f80000u); // / 31
  out_put_u16(pos, sf_to_f16(d));
  let id = sf_div(SF_ONE, d);
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    words[2u * ib + 1u] = words[2u * ib + 1u] | (iq_scale_code(id, scales[ib], 15) << 28u);
  }
  for (var w = 0u; w < 16u; w = w + 1u) { out_put_u32(pos + 2u + 4u * w, words[w]); }
}
