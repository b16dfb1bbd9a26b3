// One element of a matmul weight in its stored format, decoded with native f32 math (no
// softfloat: the forward's tolerance, not byte equality, is the contract here). The including
// kernel declares `w: array<u32>` (the weight's stored bytes, one row chunk) and `p.cols`.
// Blocks of 18, 34, 210 ... bytes do not start on word boundaries, so fields are read by byte.

// Storage formats (forward-kernels.ts keeps the same numbers in WEIGHT_FORMAT_IDS).
const WF_F32 = 0u;
const WF_F16 = 1u;
const WF_BF16 = 2u;
const WF_Q8_0 = 3u;
const WF_Q4_0 = 4u;
const WF_Q4_K = 5u;
const WF_Q5_K = 6u;
const WF_Q6_K = 7u;

override WFMT: u32 = WF_F32;
// Elements and bytes of one block (1 and 4/2 for the float formats: unused there).
override BLOCK_ELEMS: u32 = 1u;
override BLOCK_BYTES: u32 = 4u;

fn w_byte(b: u32) -> u32 { return (w[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu; }
fn w_i8(b: u32) -> i32 { return (i32(w_byte(b)) << 24u) >> 24u; }
fn w_half(b: u32) -> f32 { return unpack2x16float(w_byte(b) | (w_byte(b + 1u) << 8u)).x; }

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block: 12 packed bytes at +4.
fn k4_scale_min(base: u32, j: u32) -> vec2f {
  let s = base + 4u;
  if (j < 4u) { return vec2f(f32(w_byte(s + j) & 63u), f32(w_byte(s + j + 4u) & 63u)); }
  let lo = w_byte(s + j + 4u);
  return vec2f(f32((lo & 15u) | ((w_byte(s + j - 4u) >> 6u) << 4u)), f32((lo >> 4u) | ((w_byte(s + j) >> 6u) << 4u)));
}

fn block_value(base: u32, i: u32) -> f32 {
  switch WFMT {
    case WF_Q8_0: { return w_half(base) * f32(w_i8(base + 2u + i)); }
    case WF_Q4_0: {
      let q = w_byte(base + 2u + (i & 15u)) >> ((i >> 4u) * 4u);
      return w_half(base) * f32(i32(q & 15u) - 8);
    }
    case WF_Q4_K, WF_Q5_K: {
      // 4 groups of 64: 32 low nibbles (sub-block 2g), then the same 32 bytes' high nibbles (2g+1).
      let sub = i >> 5u;
      let g = i >> 6u;
      let l = i & 31u;
      let qsAt = select(16u, 48u, WFMT == WF_Q5_K);
      var q = (w_byte(base + qsAt + g * 32u + l) >> ((sub & 1u) * 4u)) & 15u;
      if (WFMT == WF_Q5_K) { q |= ((w_byte(base + 16u + l) >> sub) & 1u) << 4u; }
      let sm = k4_scale_min(base, sub);
      return w_half(base) * sm.x * f32(q) - w_half(base + 2u) * sm.y;
    }
    case WF_Q6_K: {
      // Two halves of 128; each: quarter k of 32 takes low (k<2) or high nibbles of ql[l + 32(k&1)]
      // and bits 2k..2k+1 of qh[l]; 16 int8 scales of 16 elements each at +192, d at +208.
      let h = i >> 7u;
      let quarter = (i >> 5u) & 3u;
      let l = i & 31u;
      let lo = (w_byte(base + h * 64u + l + 32u * (quarter & 1u)) >> ((quarter >> 1u) * 4u)) & 15u;
      let hi = (w_byte(base + 128u + h * 32u + l) >> (2u * quarter)) & 3u;
      let scale = w_i8(base + 192u + h * 8u + quarter * 2u + (l >> 4u));
      return w_half(base + 208u) * f32(scale) * f32(i32(lo | (hi << 4u)) - 32);
    }
    default: { return 0.0; }
  }
}

// Element k of row o of this chunk.
fn weight_at(o: u32, k: u32) -> f32 {
  switch WFMT {
    case WF_F32: { return bitcast<f32>(w[o * p.cols + k]); }
    case WF_F16: {
      let e = o * p.cols + k;
      return unpack2x16float(w[e >> 1u])[e & 1u];
    }
    case WF_BF16: {
      let e = o * p.cols + k;
      let word = w[e >> 1u];
      return bitcast<f32>(select(word << 16u, word & 0xffff0000u, (e & 1u) == 1u));
    }
    default: {
      let block = o * (p.cols / BLOCK_ELEMS) + k / BLOCK_ELEMS;
      return block_value(block * BLOCK_BYTES, k % BLOCK_ELEMS);
    }
  }
}
