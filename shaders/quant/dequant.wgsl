// ggml's dequantize_row_* for every type the project quantizes, one block per invocation.
// All arithmetic is softfloat: it keeps subnormal results (mxfp4's 2^-128 scales) that a GPU may
// flush, and it cannot be fused into an FMA where ggml rounds d*q before adding a min.
// Input: the blocks as bytes in u32 words; output: float32 bit patterns.
//! include common/byte-reader.wgsl
//! include generated/dequant-types.wgsl

override BLOCK_ELEMS: u32 = 1u;

const DQ_IQ4 = array<i32, 16>(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
const DQ_MXFP4_VALUES = array<i32, 16>(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);

fn fi(i: i32) -> u32 { return sf_from_i32(i); }

// Element j of a legacy 32-block: (q - offset) * d, or q * d + m.
fn legacy(j: u32, bits5: bool, has_min: bool) -> u32 {
  let d = f16_at(0u);
  let qs = select(2u, 4u, has_min) + select(0u, 4u, bits5);
  let nib = select(byte_at(qs + j) & 0xfu, byte_at(qs + j - 16u) >> 4u, j >= 16u);
  var q = i32(nib);
  if (bits5) {
    let qh = byte_at(qs - 4u) | (byte_at(qs - 3u) << 8u) | (byte_at(qs - 2u) << 16u) | (byte_at(qs - 1u) << 24u);
    q = q | i32(((qh >> j) & 1u) << 4u);
  }
  if (has_min) { return sf_add(sf_mul(fi(q), d), f16_at(2u)); }
  return sf_mul(fi(q - select(8, 16, bits5)), d);
}

// get_scale_min_k4 over the 12 scale bytes at offset 4.
fn scale_min_k4(j: u32) -> vec2<u32> {
  if (j < 4u) { return vec2<u32>(byte_at(4u + j) & 63u, byte_at(8u + j) & 63u); }
  return vec2<u32>((byte_at(8u + j) & 0xfu) | ((byte_at(j) >> 6u) << 4u),
                   (byte_at(8u + j) >> 4u) | ((byte_at(4u + j) >> 6u) << 4u));
}

fn element(j: u32) -> u32 {
  switch (TYPE) {
    case DQ_F16: { return f16_at(0u); }
    case DQ_BF16: { return u16_at(0u) << 16u; }
    case DQ_Q8_0: { return sf_mul(fi(c_int8(i32(byte_at(2u + j)))), f16_at(0u)); }
    case DQ_Q4_0: { return legacy(j, false, false); }
    case DQ_Q4_1: { return legacy(j, false, true); }
    case DQ_Q5_0: { return legacy(j, true, false); }
    case DQ_Q5_1: { return legacy(j, true, true); }
    case DQ_Q2_K: {
      // dl * q - ml, dl = d * (sc & 15), ml = dmin * (sc >> 4)
      let h = j / 128u;
      let r = j % 128u;
      let shift = 2u * (r / 32u);
      let l = r % 32u;
      let sc = byte_at(8u * h + 2u * (r / 32u) + l / 16u);
      let q = (byte_at(16u + 32u * h + l) >> shift) & 3u;
      let dl = sf_mul(f16_at(80u), fi(i32(sc & 15u)));
      let ml = sf_mul(f16_at(82u), fi(i32(sc >> 4u)));
      return sf_sub(sf_mul(dl, fi(i32(q))), ml);
    }
    case DQ_Q3_K: {
      let h = j / 128u;
      let r = j % 128u;
      let shift = 2u * (r / 32u);
      let l = r % 32u;
      let is = 8u * h + 2u * (r / 32u) + l / 16u;
      var s = select(byte_at(96u + is - 8u) >> 4u, byte_at(96u + is) & 0xfu, is < 8u);
      s = s | (((byte_at(104u + is % 4u) >> (2u * (is / 4u))) & 3u) << 4u);
      let q = i32((byte_at(32u + 32u * h + l) >> shift) & 3u);
      let m = 1u << (4u * h + r / 32u);
      let hbit = (byte_at(l) & m) != 0u;
      let dl = sf_mul(f16_at(108u), fi(i32(s) - 32));
      return sf_mul(dl, fi(q - select(4, 0, hbit)));
    }
    case DQ_Q4_K, DQ_Q5_K: {
      let g = j / 64u;
      let r = j % 64u;
      let l = r % 32u;
      let sm = scale_min_k4(2u * g + r / 32u);
      let qs = select(16u, 48u, TYPE == DQ_Q5_K);
      let b = byte_at(qs + 32u * g + l);
      var q = select(b & 0xfu, b >> 4u, r >= 32u);
      if (TYPE == DQ_Q5_K) {
        q = q + select(0u, 16u, (byte_at(16u + l) & (1u << (2u * g + r / 32u))) != 0u);
      }
      let d1 = sf_mul(f16_at(0u), fi(i32(sm.x)));
      let m1 = sf_mul(f16_at(2u), fi(i32(sm.y)));
      return sf_sub(sf_mul(d1, fi(i32(q))), m1);
    }
    case DQ_Q6_K: {
      // d * sc * q: (d * sc) first, then times q.
      let h = j / 128u;
      let r = j % 128u;
      let l = r % 32u;
      let quarter = r / 32u; // q1..q4
      let ql = byte_at(64u * h + l + select(0u, 32u, (quarter & 1u) == 1u));
      let lo = select(ql & 0xfu, ql >> 4u, quarter >= 2u);
      let hi = (byte_at(128u + 32u * h + l) >> (2u * quarter)) & 3u;
      let q = i32(lo | (hi << 4u)) - 32;
      let sc = c_int8(i32(byte_at(192u + 8u * h + l / 16u + 2u * quarter)));
      return sf_mul(sf_mul(f16_at(208u), fi(sc)), fi(q));
    }
    case DQ_IQ4_NL: {
      let nib = select(byte_at(2u + j) & 0xfu, byte_at(2u + j - 16u) >> 4u, j >= 16u);
      return sf_mul(f16_at(0u), fi(DQ_IQ4[nib]));
    }
    case DQ_IQ4_XS: {
      let ib = j / 32u;
      let r = j % 32u;
      let ls = ((byte_at(4u + ib / 2u) >> (4u * (ib % 2u))) & 0xfu) | (((u16_at(2u) >> (2u * ib)) & 3u) << 4u);
      let dl = sf_mul(f16_at(0u), fi(i32(ls) - 32));
      let nib = select(byte_at(8u + 16u * ib + r) & 0xfu, byte_at(8u + 16u * ib + r - 16u) >> 4u, r >= 16u);
      return sf_mul(dl, fi(DQ_IQ4[nib]));
    }
    case DQ_TQ1_0: {
      var byte: u32;
      var n: u32;
      if (j < 160u) {
        n = j / 32u; byte = byte_at(j % 32u);
      } else if (j < 240u) {
        n = (j - 160u) / 16u; byte = byte_at(32u + (j - 160u) % 16u);
      } else {
        n = (j - 240u) / 4u; byte = byte_at(48u + (j - 240u) % 4u);
      }
      let pow3 = array<u32, 5>(1u, 3u, 9u, 27u, 81u);
      let q = (byte * pow3[n]) & 0xffu;
      let xi = i32((q * 3u) >> 8u);
      return sf_mul(fi(xi - 1), f16_at(52u));
    }
    case DQ_TQ2_0: {
      let h = j / 128u;
      let r = j % 128u;
      let q = i32((byte_at(32u * h + r % 32u) >> (2u * (r / 32u))) & 3u);
      return sf_mul(fi(q - 1), f16_at(64u));
    }
    case DQ_MXFP4: {
      let e = byte_at(0u);
      let d = select((e - 1u) << 23u, 0x00200000u << e, e < 2u);
      let nib = select(byte_at(1u + j) & 0xfu, byte_at(1u + j - 16u) >> 4u, j >= 16u);
      return sf_mul(fi(DQ_MXFP4_VALUES[nib]), d);
    }
    case DQ_NVFP4: {
      // Sub-block s = j / 16: half its UE4M3 scale (0 for 0x00 and 0x7f; bit 7 unread) times the code.
      let s = j / 16u;
      let r = j % 16u;
      let u = byte_at(s);
      let e = (u >> 3u) & 0xfu;
      let man = u & 7u;
      var d = select(sf_mul(fi(i32(8u + man)), (116u + e) << 23u), sf_mul(fi(i32(man)), 117u << 23u), e == 0u);
      if (u == 0u || u == 0x7fu) { d = SF_ZERO; }
      let q = byte_at(4u + 8u * s + r % 8u);
      let nib = select(q & 0xfu, q >> 4u, r >= 8u);
      return sf_mul(fi(DQ_MXFP4_VALUES[nib]), d);
    }
    case DQ_Q1_0: {
      let d = f16_at(0u);
      return select(sf_neg(d), d, ((byte_at(2u + j / 8u) >> (j % 8u)) & 1u) == 1u);
    }
    case DQ_Q2_0: {
      let q = i32((byte_at(2u + j / 4u) >> (2u * (j % 4u))) & 3u);
      return sf_mul(fi(q - 1), f16_at(0u));
    }
    default: { return SF_QNAN; }
  }
}

fn c_int8(t: i32) -> i32 { return ((t & 0xff) ^ 0x80) - 0x80; }

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let b = dequant_block_index(gid, groups);
  if (b >= dparams.blocks) { return; }
  blk = b * BLOCK_BYTES;
  for (var j = 0u; j < BLOCK_ELEMS; j = j + 1u) { qdst[b * BLOCK_ELEMS + j] = element(j); }
}
