// IQ1_S (50 bytes per 256): quantize_row_iq1_s_impl as core/quant/wasm/assembly/iq1.ts. Two blocks per
// invocation (100 bytes). An imatrix is required (the CPU checks it before dispatch).
//! include common/byte-writer.wgsl
//! include quant/iq1-common.wgsl
const BLOCK_BYTES: u32 = 50u;
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 25u;
const IQ1_EPS: u32 = 0x2b8cbcccu;  // 1e-12f
const IQ1_NEG_FLT_MAX: u32 = 0xff7fffffu;

var<private> iq1s_sumx: array<u32, 33>;
var<private> iq1s_sumw: array<u32, 33>;
var<private> iq1s_shift: i32;

// The best split of the sorted values into levels 0/1/2 (both delta signs); levels into iq_L,
// the sign into iq1s_shift (0: none found, the scale is then meaningless). Returns the scale.
fn iq1s_split_search(o: u32, max_v: u32) -> u32 {
  iq1s_sumx[0] = SF_ZERO;
  iq1s_sumw[0] = SF_ZERO;
  for (var j = 0u; j < 32u; j = j + 1u) {
    let i = iq1_order[j];
    iq1s_sumx[j + 1u] = sf_add(iq1s_sumx[j], sf_mul(iq_w[i], iq_sb[o + i]));
    iq1s_sumw[j + 1u] = sf_add(iq1s_sumw[j], iq_w[i]);
  }
  var best_score = IQ1_NEG_FLT_MAX;
  var scale = max_v;
  var besti1 = -1;
  var besti2 = -1;
  iq1s_shift = 0;
  let sx0 = iq1s_sumx[0];
  let sw0 = iq1s_sumw[0];
  let sxn = iq1s_sumx[32];
  let swn = iq1s_sumw[32];
  for (var i1 = 0u; i1 <= 32u; i1 = i1 + 1u) {
    let sx1 = iq1s_sumx[i1];
    let sw1 = iq1s_sumw[i1];
    let xa = sf_sub(sx1, sx0);
    let wa = sf_sub(sw1, sw0);
    for (var i2 = i1; i2 <= 32u; i2 = i2 + 1u) {
      let sx2 = iq1s_sumx[i2];
      let sw2 = iq1s_sumw[i2];
      let xb = sf_sub(sx2, sx1);
      let xc = sf_sub(sxn, sx2);
      let wb = sf_sub(sw2, sw1);
      let wc = sf_sub(swn, sw2);
      for (var s = 0u; s < 2u; s = s + 1u) {
        let plus = s == 0u;
        let v0 = iq1_value(0u, plus);
        let v1 = iq1_value(1u, plus);
        let v2 = iq1_value(2u, plus);
        let sumqx = sf_add(sf_add(sf_mul(xa, v0), sf_mul(xb, v1)), sf_mul(xc, v2));
        let sumq2 = sf_add(sf_add(sf_mul(sf_mul(wa, v0), v0), sf_mul(sf_mul(wb, v1), v1)), sf_mul(sf_mul(wc, v2), v2));
        if (sf_gt(sumq2, SF_ZERO) && sf_gt(sf_mul(sumqx, sumqx), sf_mul(best_score, sumq2))) {
          scale = sf_div(sumqx, sumq2);
          best_score = sf_mul(scale, sumqx);
          besti1 = i32(i1);
          besti2 = i32(i2);
          iq1s_shift = select(-1, 1, plus);
        }
      }
    }
  }
  if (besti1 < 0 || besti2 < 0 || iq1s_shift == 0) {
    iq1s_shift = 0;
    return scale;
  }
  iq1_split_levels(32u, besti1, besti2);
  return scale;
}

fn quantize_block(block: u32, pos: u32) {
  var scales: array<u32, 8>;
  var shifts: array<i32, 8>;
  var qh: array<u32, 8>;
  var index: array<u32, 4>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(sf_mul(0x40000000u, iq_load_superblock(block)), 0x43800000u); // 2*sum/256
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    let o = 32u * ib;
    iq_importance_weights(block, o, 32u, sigma2);
    var max_v = sf_abs(iq_sb[o]);
    for (var i = 0u; i < 32u; i = i + 1u) {
      let a = sf_abs(iq_sb[o + i]);
      max_v = select(a, max_v, sf_gt(max_v, a));
    }
    scales[ib] = SF_ZERO;
    shifts[ib] = 1;
    if (sf_lt(max_v, IQ1_EPS)) { continue; }
    iq1_sort(o, 32u);
    var scale = iq1s_split_search(o, max_v);
    if (iq1s_shift == 0 || sf_is_nan(scale)) { continue; }
    var shift = iq1s_shift;
    if (sf_lt(scale, SF_ZERO)) {
      for (var j = 0u; j < 32u; j = j + 1u) { iq_L[j] = 2u - iq_L[j]; }
      scale = sf_neg(scale);
      shift = -shift;
    }
    let plus = shift == 1;
    var all_on_grid = true;
    for (var k = 0u; k < 4u; k = k + 1u) {
      let u = iq1_pack(8u * k);
      var gi = iq_grid_index(u);
      if (gi < 0) {
        all_on_grid = false;
        gi = i32(iq1_best_neighbour(u, o + 8u * k, 8u * k, scale, plus));
      }
      index[k] = u32(gi);
    }
    if (!all_on_grid) {
      var sumqx = SF_ZERO;
      var sumq2 = SF_ZERO;
      for (var j = 0u; j < 32u; j = j + 1u) {
        let w = iq_w[j];
        let q = iq1_value(iq_L[j], plus);
        sumqx = sf_add(sumqx, sf_mul(sf_mul(w, q), iq_sb[o + j]));
        sumq2 = sf_add(sumq2, sf_mul(sf_mul(w, q), q));
      }
      if (sf_gt(sumqx, SF_ZERO) && sf_gt(sumq2, SF_ZERO)) { scale = sf_div(sumqx, sumq2); }
    }
    var h = 0u;
    for (var k = 0u; k < 4u; k = k + 1u) {
      out_put_byte(pos + 2u + 4u * ib + k, index[k] & 255u);
      h = h | ((index[k] >> 8u) << (3u * k));
    }
    qh[ib] = h;
    scales[ib] = scale;
    shifts[ib] = shift;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  if (!sf_eq(max_scale, SF_ZERO)) {
    let d = sf_div(max_scale, 0x41700000u); // / 15
    out_put_u16(pos, sf_to_f16(sf_mul(d, 0x3f900000u))); // d * 1.125f
    let id = sf_div(SF_ONE, d);
    for (var ib = 0u; ib < 8u; ib = ib + 1u) {
      var l = iq_scale_code(id, scales[ib], 7);
      if (shifts[ib] == -1) { l = l | 8u; }
      qh[ib] = qh[ib] | (l << 12u);
    }
  }
  for (var ib = 0u; ib < 8u; ib = ib + 1u) { out_put_u16(pos + 34u + 2u * ib, qh[ib]); }
}
