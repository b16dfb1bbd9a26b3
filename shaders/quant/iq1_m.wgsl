// IQ1_M (56 bytes per 256): quantize_row_iq1_m_impl as core/quant/wasm/assembly/iq1.ts, with or without an
// imatrix. One block per invocation. The split search carries the level-0 and level-0/1 prefix
// sums across splits (the same float32 additions in the same order as ggml's recomputation).
//! include common/byte-writer.wgsl
//! include quant/iq1-common.wgsl
override WEIGHTED: bool = false;
const BLOCK_BYTES: u32 = 56u;
const GROUP_BLOCKS: u32 = 1u;
const OUT_WORDS_MAX: u32 = 14u;
const IQ1_EPS: u32 = 0x33d6bf95u;  // 1e-7f
const IQ1_NEG_FLT_MAX: u32 = 0xff7fffffu;

var<private> iq1m_tx: array<u32, 192>; // w*v*x per (sorted position, combination, level)
var<private> iq1m_tq: array<u32, 192>; // w*v*v
var<private> iq1m_k: i32;

// Combination k: delta sign + for the first 8 values when k < 2, for the last 8 when k is even.
fn iq1m_plus(k: u32, group: u32) -> bool {
  return select(k % 2u == 0u, k < 2u, group == 0u);
}

fn iq1m_weights(block: u32, o: u32, sigma2: u32) {
  if (WEIGHTED) {
    iq_importance_weights(block, o, 16u, sigma2);
  } else {
    for (var i = 0u; i < 16u; i = i + 1u) { iq_w[i] = sf_mul(iq_sb[o + i], iq_sb[o + i]); }
  }
}

fn iq1m_split_search(o: u32, max_v: u32) -> u32 {
  for (var j = 0u; j < 16u; j = j + 1u) {
    let i = iq1_order[j];
    let w = iq_w[i];
    let xi = iq_sb[o + i];
    for (var k = 0u; k < 4u; k = k + 1u) {
      let plus = iq1m_plus(k, select(1u, 0u, i < 8u));
      for (var level = 0u; level < 3u; level = level + 1u) {
        let v = iq1_value(level, plus);
        let wv = sf_mul(w, v);
        iq1m_tx[(j * 4u + k) * 3u + level] = sf_mul(wv, xi);
        iq1m_tq[(j * 4u + k) * 3u + level] = sf_mul(wv, v);
      }
    }
  }
  var best_score = IQ1_NEG_FLT_MAX;
  var scale = max_v;
  var besti1 = -1;
  var besti2 = -1;
  iq1m_k = -1;
  var p0: array<u32, 8>;
  for (var i1 = 0u; i1 <= 16u; i1 = i1 + 1u) {
    if (i1 > 0u) {
      for (var k = 0u; k < 4u; k = k + 1u) {
        let t = ((i1 - 1u) * 4u + k) * 3u;
        p0[k] = sf_add(p0[k], iq1m_tx[t]);
        p0[4u + k] = sf_add(p0[4u + k], iq1m_tq[t]);
      }
    }
    var p01 = p0;
    for (var i2 = i1; i2 <= 16u; i2 = i2 + 1u) {
      if (i2 > i1) {
        for (var k = 0u; k < 4u; k = k + 1u) {
          let t = ((i2 - 1u) * 4u + k) * 3u + 1u;
          p01[k] = sf_add(p01[k], iq1m_tx[t]);
          p01[4u + k] = sf_add(p01[4u + k], iq1m_tq[t]);
        }
      }
      for (var k = 0u; k < 4u; k = k + 1u) {
        var qx = p01[k];
        var q2 = p01[4u + k];
        for (var j = i2; j < 16u; j = j + 1u) {
          let t = (j * 4u + k) * 3u + 2u;
          qx = sf_add(qx, iq1m_tx[t]);
          q2 = sf_add(q2, iq1m_tq[t]);
        }
        if (sf_gt(q2, SF_ZERO) && sf_gt(sf_mul(qx, qx), sf_mul(best_score, q2))) {
          scale = sf_div(qx, q2);
          best_score = sf_mul(scale, qx);
          besti1 = i32(i1);
          besti2 = i32(i2);
          iq1m_k = i32(k);
        }
      }
    }
  }
  if (besti1 < 0 || besti2 < 0 || iq1m_k < 0) {
    iq1m_k = -1;
    return scale;
  }
  iq1_split_levels(16u, besti1, besti2);
  return scale;
}

fn quantize_block(block: u32, pos: u32) {
  var scales: array<u32, 16>;
  var shifts: array<u32, 16>;
  var qs: array<u32, 32>;
  var qhb: array<u32, 16>;
  var sc: array<u32, 4>;
  var max_scale = SF_ZERO;
  let sigma2 = sf_div(sf_mul(0x40000000u, iq_load_superblock(block)), 0x43800000u); // 2*sum/256
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    let o = 16u * ib;
    iq1m_weights(block, o, sigma2);
    var max_v = SF_ZERO;
    for (var i = 0u; i < 16u; i = i + 1u) {
      let a = sf_abs(iq_sb[o + i]);
      max_v = select(a, max_v, sf_gt(max_v, a));
    }
    scales[ib] = SF_ZERO;
    shifts[ib] = 0u;
    if (sf_lt(max_v, IQ1_EPS)) { continue; }
    iq1_sort(o, 16u);
    var scale = iq1m_split_search(o, max_v);
    if (iq1m_k < 0 || sf_is_nan(scale)) { continue; }
    var k3 = u32(iq1m_k);
    if (sf_lt(scale, SF_ZERO)) {
      for (var j = 0u; j < 16u; j = j + 1u) { iq_L[j] = 2u - iq_L[j]; }
      scale = sf_neg(scale);
      k3 = 3u - k3;
    }
    var all_on_grid = true;
    var index: array<u32, 2>;
    for (var g = 0u; g < 2u; g = g + 1u) {
      let u = iq1_pack(8u * g);
      var gi = iq_grid_index(u);
      if (gi < 0) {
        all_on_grid = false;
        gi = i32(iq1_best_neighbour(u, o + 8u * g, 8u * g, scale, iq1m_plus(k3, g)));
      }
      index[g] = u32(gi);
    }
    if (!all_on_grid) {
      var qx = SF_ZERO;
      var q2 = SF_ZERO;
      for (var j = 0u; j < 16u; j = j + 1u) {
        let w = iq_w[j];
        let q = iq1_value(iq_L[j], iq1m_plus(k3, j >> 3u));
        qx = sf_add(qx, sf_mul(sf_mul(w, q), iq_sb[o + j]));
        q2 = sf_add(q2, sf_mul(sf_mul(w, q), q));
      }
      if (sf_gt(qx, SF_ZERO) && sf_gt(q2, SF_ZERO)) { scale = sf_div(qx, q2); }
    }
    qs[2u * ib] = index[0] & 255u;
    qs[2u * ib + 1u] = index[1] & 255u;
    qhb[ib] = (index[0] >> 8u) | ((index[1] >> 8u) << 4u);
    scales[ib] = scale;
    shifts[ib] = k3;
    max_scale = select(scale, max_scale, sf_gt(max_scale, scale));
  }
  for (var i = 0u; i < 32u; i = i + 1u) { out_put_byte(pos + i, qs[i]); }
  if (sf_eq(max_scale, SF_ZERO)) {
    for (var ib = 0u; ib < 16u; ib = ib + 1u) { out_put_byte(pos + 32u + ib, qhb[ib]); }
    return;
  }
  // The stored d is refit over the whole super-block with the rounded sub-block scales.
  var d = sf_div(max_scale, 0x41700000u); // / 15
  let id = sf_div(SF_ONE, d);
  var qx = SF_ZERO;
  var q2 = SF_ZERO;
  let shift_masks = array<u32, 4>(0x00u, 0x80u, 0x08u, 0x88u);
  for (var ib = 0u; ib < 16u; ib = ib + 1u) {
    let l = iq_scale_code(id, scales[ib], 7);
    sc[ib >> 2u] = sc[ib >> 2u] | (l << (3u * (ib % 4u)));
    let qh = qhb[ib] | shift_masks[shifts[ib]];
    qhb[ib] = qh;
    let o = 16u * ib;
    iq1m_weights(block, o, sigma2);
    let factor = iq_fi(i32(2u * l + 1u));
    for (var g = 0u; g < 2u; g = g + 1u) {
      let plus = iq1m_plus(shifts[ib], g);
      let p = qs[2u * ib + g] + ((qh << (8u - 4u * g)) & 0x700u);
      let point = iq_grid_point(p);
      for (var j = 0u; j < 8u; j = j + 1u) {
        let w = iq_w[8u * g + j];
        let q = sf_mul(iq1_value((point >> (2u * j)) & 3u, plus), factor);
        qx = sf_add(qx, sf_mul(sf_mul(w, q), iq_sb[o + 8u * g + j]));
        q2 = sf_add(q2, sf_mul(sf_mul(w, q), q));
      }
    }
  }
  for (var ib = 0u; ib < 16u; ib = ib + 1u) { out_put_byte(pos + 32u + ib, qhb[ib]); }
  if (sf_gt(q2, SF_ZERO)) { d = sf_div(qx, q2); }
  let h = sf_to_f16(sf_mul(d, 0x3f8e6666u)); // d * 1.1125f
  sc[0] = sc[0] | ((h & 0x000fu) << 12u);
  sc[1] = sc[1] | ((h & 0x00f0u) << 8u);
  sc[2] = sc[2] | ((h & 0x0f00u) << 4u);
  sc[3] = sc[3] | (h & 0xf000u);
  for (var i = 0u; i < 4u; i = i + 1u) { out_put_u16(pos + 48u + 2u * i, sc[i]); }
}
