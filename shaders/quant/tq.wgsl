// tq1_0 and tq2_0 (quantize_row_tqN_0_ref; ggml ignores the imatrix): d = amax, trits
// lroundf(x/d) + 1. tq1_0 packs five trits per byte as a base-3 fixed-point fraction,
// tq2_0 four 2-bit fields. Two blocks (54 or 66 bytes) per invocation.
//! include common/byte-writer.wgsl
//! include quant/kquant-search.wgsl
override TQ1: bool = true;

override BLOCK_BYTES: u32 = select(66u, 54u, TQ1);
const GROUP_BLOCKS: u32 = 2u;
const OUT_WORDS_MAX: u32 = 33u;

var<private> tq_id: u32;

fn tq_trit(i: u32) -> u32 { return u32(sf_roundf_i32(sf_mul(kx[i], tq_id)) + 1); }

// q = ((uint16_t)q * 256 + 242) / 243, kept in a byte.
fn tq_scale_byte(q: u32) -> u32 { return (((q & 0xffu) * 256u + 242u) / 243u) & 0xffu; }

fn quantize_block(block: u32, pos: u32) {
  kq_load(block);
  var amax = SF_ZERO;
  for (var j = 0u; j < QK_K; j = j + 1u) {
    let a = sf_abs(kx[j]);
    amax = select(a, amax, sf_gt(amax, a)); // MAX(amax, fabsf(v))
  }
  tq_id = select(sf_div(SF_ONE, amax), SF_ZERO, sf_is_zero(amax));
  if (TQ1) {
    for (var m = 0u; m < 32u; m = m + 1u) {
      var q = 0u;
      for (var n = 0u; n < 5u; n = n + 1u) { q = (q * 3u + tq_trit(m + 32u * n)) & 0xffu; }
      out_put_byte(pos + m, tq_scale_byte(q));
    }
    for (var m = 0u; m < 16u; m = m + 1u) {
      var q = 0u;
      for (var n = 0u; n < 5u; n = n + 1u) { q = (q * 3u + tq_trit(160u + m + 16u * n)) & 0xffu; }
      out_put_byte(pos + 32u + m, tq_scale_byte(q));
    }
    for (var j = 0u; j < 4u; j = j + 1u) {
      var q = 0u;
      for (var m = 0u; m < 4u; m = m + 1u) { q = (q * 3u + tq_trit(240u + j + 4u * m)) & 0xffu; }
      out_put_byte(pos + 48u + j, tq_scale_byte(q * 3u));
    }
    out_put_u16(pos + 52u, sf_to_f16(amax));
  } else {
    for (var h = 0u; h < 2u; h = h + 1u) {
      for (var m = 0u; m < 32u; m = m + 1u) {
        var q = 0u;
        for (var n = 0u; n < 4u; n = n + 1u) { q = q + ((tq_trit(128u * h + m + 32u * n) & 3u) << (2u * n)); }
        out_put_byte(pos + 32u * h + m, q & 0xffu);
      }
    }
    out_put_u16(pos + 64u, sf_to_f16(amax));
  }
}
