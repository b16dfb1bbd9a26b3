// IEEE half precision (ggml_fp16_t) to and from the softfloat's float32 bit patterns: the one
// f16 decoder of every kernel (scales stored as fp16 are read back through it).
//! include common/softfloat.wgsl

// fp16 bits -> float32 bits, exact (half subnormals are float32 normals).
fn sf_from_f16(h: u32) -> u32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 31u) { return sign | SF_INF | (m << 13u); }
  if (e != 0u) { return sign | ((e + 112u) << 23u) | (m << 13u); }
  if (m == 0u) { return sign; }
  let top = 31u - countLeadingZeros(m); // value m * 2^-24
  return sign | ((top + 103u) << 23u) | ((m << (23u - top)) & 0x7fffffu);
}

// fp16 round trip of a float32: the value ggml reads back after storing it as ggml_fp16_t.
fn sf_round_f16(a: u32) -> u32 { return sf_from_f16(sf_to_f16(a)); }
