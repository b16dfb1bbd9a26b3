// IEEE binary32 arithmetic on bit patterns (u32), integer instructions only.
// Why: WGSL lets `/` and `sqrt` be off by 2.5 ULP, lets a driver fuse a*b+c and may flush
// subnormals; ggml's bytes depend on every float32 rounding, so each operation that decides a
// byte goes through these functions: round-to-nearest-even, subnormals kept, no fusion possible.
// NaN results are the quiet NaN 0x7fc00000 (or the quieted NaN input); callers only test NaN-ness.

const SF_SIGN: u32 = 0x80000000u;
const SF_ABS: u32 = 0x7fffffffu;
const SF_INF: u32 = 0x7f800000u;
const SF_QNAN: u32 = 0x7fc00000u;
const SF_ZERO: u32 = 0u;
const SF_ONE: u32 = 0x3f800000u;

fn sf_is_nan(a: u32) -> bool { return (a & SF_ABS) > SF_INF; }
fn sf_is_zero(a: u32) -> bool { return (a & SF_ABS) == 0u; }
fn sf_abs(a: u32) -> u32 { return a & SF_ABS; }
fn sf_neg(a: u32) -> u32 { return a ^ SF_SIGN; }

// Maps bits to an unsigned key that orders like the float value (-0 and +0 differ here).
fn sf_order_key(a: u32) -> u32 {
  return select(a | SF_SIGN, ~a, (a & SF_SIGN) != 0u);
}

// a < b, false when either is NaN, -0 == +0.
fn sf_lt(a: u32, b: u32) -> bool {
  if (sf_is_nan(a) || sf_is_nan(b)) { return false; }
  if (((a | b) & SF_ABS) == 0u) { return false; }
  return sf_order_key(a) < sf_order_key(b);
}
fn sf_gt(a: u32, b: u32) -> bool { return sf_lt(b, a); }
fn sf_le(a: u32, b: u32) -> bool { return sf_lt(a, b) || sf_eq(a, b); }
fn sf_eq(a: u32, b: u32) -> bool {
  if (sf_is_nan(a) || sf_is_nan(b)) { return false; }
  return a == b || ((a | b) & SF_ABS) == 0u;
}

// Rounds and packs sign, biased exponent `e` and a significand `m` whose leading one, when the
// value is normal, sits at bit 26 (three guard bits below bit 3; bit 0 is sticky).
fn sf_round_pack(sign: u32, e_in: i32, m_in: u32) -> u32 {
  var e = e_in;
  var m = m_in;
  if (e <= 0) {
    let sh = u32(1 - e);
    if (sh >= 27u) {
      m = select(0u, 1u, m != 0u);
    } else {
      m = (m >> sh) | select(0u, 1u, (m << (32u - sh)) != 0u);
    }
    e = 1;
  }
  if (e >= 255) { return sign | SF_INF; }
  let rest = m & 7u;
  m = m >> 3u;
  if (rest > 4u || (rest == 4u && (m & 1u) == 1u)) { m = m + 1u; }
  // Adding the significand (hidden bit included) carries into the exponent on its own,
  // which also turns a rounded-up subnormal into the smallest normal.
  let packed = (u32(e - 1) << 23u) + m;
  if (packed >= SF_INF) { return sign | SF_INF; }
  return sign | packed;
}

// Significand with the hidden bit and an exponent of at least 1 (subnormals: exponent 1).
fn sf_sig(a: u32) -> u32 {
  let frac = a & 0x7fffffu;
  return select(frac | 0x800000u, frac, ((a >> 23u) & 0xffu) == 0u);
}
fn sf_exp(a: u32) -> i32 { return max(i32((a >> 23u) & 0xffu), 1); }

fn sf_quiet(a: u32) -> u32 { return a | 0x400000u; }

fn sf_add(a: u32, b: u32) -> u32 {
  let ea_raw = (a >> 23u) & 0xffu;
  let eb_raw = (b >> 23u) & 0xffu;
  if (ea_raw == 255u || eb_raw == 255u) {
    if (sf_is_nan(a)) { return sf_quiet(a); }
    if (sf_is_nan(b)) { return sf_quiet(b); }
    if (ea_raw == 255u && eb_raw == 255u && (a ^ b) == SF_SIGN) { return SF_QNAN; }
    return select(b, a, ea_raw == 255u);
  }
  if ((a & SF_ABS) == 0u) {
    if ((b & SF_ABS) == 0u) { return a & b; }
    return b;
  }
  if ((b & SF_ABS) == 0u) { return a; }
  var big = a;
  var small = b;
  if ((b & SF_ABS) > (a & SF_ABS)) { big = b; small = a; }
  let sign = big & SF_SIGN;
  var e = sf_exp(big);
  let mb = sf_sig(big) << 3u;
  var ms = sf_sig(small) << 3u;
  let d = u32(e - sf_exp(small));
  if (d >= 27u) {
    ms = 1u;
  } else if (d > 0u) {
    ms = (ms >> d) | select(0u, 1u, (ms << (32u - d)) != 0u);
  }
  var m: u32;
  if (((a ^ b) & SF_SIGN) == 0u) {
    m = mb + ms;
    if (m >= 0x8000000u) {
      m = (m >> 1u) | (m & 1u);
      e = e + 1;
    }
  } else {
    m = mb - ms;
    if (m == 0u) { return SF_ZERO; }
    // Normalise so the leading one is at bit 26, but never below exponent 1 (subnormal).
    let lead = i32(countLeadingZeros(m)) - 5;
    let shift = min(lead, e - 1);
    if (shift > 0) {
      m = m << u32(shift);
      e = e - shift;
    }
  }
  return sf_round_pack(sign, e, m);
}

fn sf_sub(a: u32, b: u32) -> u32 {
  if (sf_is_nan(b)) { return sf_add(a, b); }
  return sf_add(a, b ^ SF_SIGN);
}

// Normalises a finite non-zero operand: significand in [2^23, 2^24), unbiased-free exponent.
struct SfNorm { m: u32, e: i32 }
fn sf_normalise(a: u32) -> SfNorm {
  var m = sf_sig(a);
  var e = sf_exp(a);
  let shift = i32(countLeadingZeros(m)) - 8;
  if (shift > 0) {
    m = m << u32(shift);
    e = e - shift;
  }
  return SfNorm(m, e);
}

fn sf_mul(a: u32, b: u32) -> u32 {
  let sign = (a ^ b) & SF_SIGN;
  let ea_raw = (a >> 23u) & 0xffu;
  let eb_raw = (b >> 23u) & 0xffu;
  if (sf_is_nan(a)) { return sf_quiet(a); }
  if (sf_is_nan(b)) { return sf_quiet(b); }
  let a_zero = (a & SF_ABS) == 0u;
  let b_zero = (b & SF_ABS) == 0u;
  if (ea_raw == 255u || eb_raw == 255u) {
    if (a_zero || b_zero) { return SF_QNAN; }
    return sign | SF_INF;
  }
  if (a_zero || b_zero) { return sign; }
  let na = sf_normalise(a);
  let nb = sf_normalise(b);
  // 24x24-bit product from 12-bit halves: hi holds bits 24..47, lo bits 0..23.
  let ah = na.m >> 12u;
  let al = na.m & 0xfffu;
  let bh = nb.m >> 12u;
  let bl = nb.m & 0xfffu;
  let mid = ah * bl + al * bh;
  var lo = al * bl + ((mid & 0xfffu) << 12u);
  let hi = ah * bh + (mid >> 12u) + (lo >> 24u);
  lo = lo & 0xffffffu;
  var e = na.e + nb.e - 127;
  var m: u32;
  if (hi >= 0x800000u) {
    m = (hi << 3u) | (lo >> 21u) | select(0u, 1u, (lo & 0x1fffffu) != 0u);
    e = e + 1;
  } else {
    m = (hi << 4u) | (lo >> 20u) | select(0u, 1u, (lo & 0xfffffu) != 0u);
  }
  return sf_round_pack(sign, e, m);
}

fn sf_div(a: u32, b: u32) -> u32 {
  let sign = (a ^ b) & SF_SIGN;
  if (sf_is_nan(a)) { return sf_quiet(a); }
  if (sf_is_nan(b)) { return sf_quiet(b); }
  let a_inf = (a & SF_ABS) == SF_INF;
  let b_inf = (b & SF_ABS) == SF_INF;
  let a_zero = (a & SF_ABS) == 0u;
  let b_zero = (b & SF_ABS) == 0u;
  if (a_inf) {
    if (b_inf) { return SF_QNAN; }
    return sign | SF_INF;
  }
  if (b_inf) { return sign; }
  if (b_zero) {
    if (a_zero) { return SF_QNAN; }
    return sign | SF_INF;
  }
  if (a_zero) { return sign; }
  let na = sf_normalise(a);
  let nb = sf_normalise(b);
  var r = na.m;
  var e = na.e - nb.e + 126;
  if (r >= nb.m) {
    e = e + 1;
  } else {
    r = r << 1u;
  }
  // Restoring division: 27 quotient bits, the leading one at bit 26.
  var q = 0u;
  for (var i = 0u; i < 27u; i = i + 1u) {
    q = q << 1u;
    if (r >= nb.m) {
      r = r - nb.m;
      q = q | 1u;
    }
    r = r << 1u;
  }
  q = q | select(0u, 1u, r != 0u);
  return sf_round_pack(sign, e, q);
}

fn sf_sqrt(a: u32) -> u32 {
  if (sf_is_nan(a)) { return sf_quiet(a); }
  if ((a & SF_ABS) == 0u) { return a; }
  if ((a & SF_SIGN) != 0u) { return SF_QNAN; }
  if (a == SF_INF) { return a; }
  let n = sf_normalise(a);
  var m = n.m;
  var ue = n.e - 127;
  if ((ue & 1) != 0) {
    m = m << 1u;
    ue = ue - 1;
  }
  // Digit-by-digit root of M = m * 2^29 (54 bits): 27 root bits, the leading one at bit 26.
  var rem = 0u;
  var root = 0u;
  for (var i = 0u; i < 27u; i = i + 1u) {
    var pair = 0u;
    if (i < 12u) {
      pair = (m >> (23u - 2u * i)) & 3u;
    } else if (i == 12u) {
      pair = (m << 1u) & 3u;
    }
    rem = (rem << 2u) | pair;
    let trial = (root << 2u) | 1u;
    if (rem >= trial) {
      rem = rem - trial;
      root = (root << 1u) | 1u;
    } else {
      root = root << 1u;
    }
  }
  root = root | select(0u, 1u, rem != 0u);
  return sf_round_pack(0u, ue / 2 + 127, root);
}

// Exact int -> float (rounded to nearest even beyond 2^24).
fn sf_from_i32(n: i32) -> u32 {
  if (n == 0) { return 0u; }
  let sign = select(0u, SF_SIGN, n < 0);
  let mag = select(u32(n), u32(0) - u32(n), n < 0);
  let top = 31u - countLeadingZeros(mag);
  var m: u32;
  if (top <= 26u) {
    m = mag << (26u - top);
  } else {
    let sh = top - 26u;
    m = (mag >> sh) | select(0u, 1u, (mag << (32u - sh)) != 0u);
  }
  return sf_round_pack(sign, i32(top) + 127, m);
}

// Rounds a float to an integer with ties to even (nearest |v| < 2^31 meaningful).
fn sf_rne_int(a: u32) -> i32 {
  let e = i32((a >> 23u) & 0xffu);
  if (e < 126) { return 0; }
  let m = (a & 0x7fffffu) | 0x800000u;
  var q: u32;
  if (e >= 150) {
    q = m << u32(min(e - 150, 31));
  } else {
    let sh = u32(150 - e);
    q = m >> sh;
    let rest = m & ((1u << sh) - 1u);
    let half = 1u << (sh - 1u);
    if (rest > half || (rest == half && (q & 1u) == 1u)) { q = q + 1u; }
  }
  return select(i32(q), -i32(q), (a & SF_SIGN) != 0u);
}

// ggml's nearest_int: bits of (v + 12582912.f), low 23 bits minus 2^22. For |v| < 2^22 that is
// round-half-to-even; beyond it the float add is emulated so the garbage matches too.
fn sf_nearest_int(a: u32) -> i32 {
  if ((a & SF_ABS) < 0x4a800000u) { return sf_rne_int(a); }
  let v = sf_add(a, 0x4b400000u);
  return i32(v & 0x7fffffu) - 0x400000;
}

// C's (int) cast as x86 cvttss2si does it: truncation; NaN and out of range give INT_MIN.
fn sf_trunc_i32(a: u32) -> i32 {
  let e = i32((a >> 23u) & 0xffu);
  if (e < 127) { return 0; }
  if (e >= 158) {
    // Only -2^31 itself is in range here.
    return i32(0x80000000u);
  }
  let m = (a & 0x7fffffu) | 0x800000u;
  var q: u32;
  if (e >= 150) { q = m << u32(e - 150); } else { q = m >> u32(150 - e); }
  return select(i32(q), -i32(q), (a & SF_SIGN) != 0u);
}

// C's roundf (half away from zero), then the same integer cast.
fn sf_roundf_i32(a: u32) -> i32 {
  let e = i32((a >> 23u) & 0xffu);
  if (e < 126) { return 0; }
  if (e >= 158) { return i32(0x80000000u); }
  let m = (a & 0x7fffffu) | 0x800000u;
  var q: u32;
  if (e >= 150) {
    q = m << u32(e - 150);
  } else {
    let sh = u32(150 - e);
    q = (m + (1u << (sh - 1u))) >> sh;
  }
  return select(i32(q), -i32(q), (a & SF_SIGN) != 0u);
}

// IEEE half bits, round to nearest even, subnormals kept, overflow to inf, NaN -> 0x7e00|sign
// (ggml's GGML_FP32_TO_FP16).
fn sf_to_f16(a: u32) -> u32 {
  let sign = (a >> 16u) & 0x8000u;
  let e32 = i32((a >> 23u) & 0xffu);
  let frac = a & 0x7fffffu;
  if (e32 == 255) { return sign | select(0x7c00u, 0x7e00u, frac != 0u); }
  if (e32 == 0) { return sign; }
  let e = e32 - 127 + 15;
  if (e >= 31) { return sign | 0x7c00u; }
  let m = frac | 0x800000u;
  var sh = 13u;
  if (e < 1) { sh = u32(14 - e); }
  if (sh > 24u) { return sign; }
  var q = m >> sh;
  let rest = m & ((1u << sh) - 1u);
  let half = 1u << (sh - 1u);
  if (rest > half || (rest == half && (q & 1u) == 1u)) { q = q + 1u; }
  let packed = (u32(max(e, 1) - 1) << 10u) + q;
  return sign | min(packed, 0x7c00u);
}

// ggml_fp32_to_bf16 (ref): NaN keeps its top bits and is quieted, others round to nearest even.
fn sf_to_bf16(a: u32) -> u32 {
  if (sf_is_nan(a)) { return (a >> 16u) | 64u; }
  return (a + (0x7fffu + ((a >> 16u) & 1u))) >> 16u;
}
