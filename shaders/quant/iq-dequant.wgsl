// dequantize_row_iq2_xxs .. iq1_m (core/quant/iq/iq-dequantize.ts), one 256-value super-block per
// invocation, products in softfloat (no flushed subnormals, no fused operations). The grid values
// come from src/gpu/iq-tables.ts (iqGridValues, int8 per coordinate, four to a word).
//! include common/byte-reader.wgsl
//! include generated/iq-dequant-types.wgsl

@group(0) @binding(3) var<storage, read> grid_values: array<u32>;

const IQD_HALF: u32 = 0x3f000000u;
const IQD_QUARTER: u32 = 0x3e800000u;
const IQD_DELTA: u32 = 0x3e000000u; // 1/8

var<private> y: u32;

// Coordinate j of grid point p (dim coordinates per point), as a signed value.
fn grid_value(p: u32, dim: u32, j: u32) -> i32 {
  let i = p * dim + j;
  let b = (grid_values[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu;
  return (i32(b) ^ 0x80) - 0x80;
}

// ksigns_iq2xs: 7 bits plus an 8th that makes the count of set bits even.
fn signs8(seven: u32) -> u32 { return seven | ((countOneBits(seven) & 1u) << 7u); }

fn put(v: u32, negative: bool) {
  qdst[y] = select(v, sf_neg(v), negative);
  y = y + 1u;
}

// 8 values db*grid[p][j], sign bit j of `signs`.
fn put8(db: u32, p: u32, signs: u32) {
  for (var j = 0u; j < 8u; j = j + 1u) { put(sf_mul(db, sf_from_i32(grid_value(p, 8u, j))), ((signs >> j) & 1u) != 0u); }
}

// Two 4-value points, sign bits 0..3 and 4..7.
fn put4x2(db: u32, p1: u32, p2: u32, signs: u32) {
  for (var j = 0u; j < 4u; j = j + 1u) { put(sf_mul(db, sf_from_i32(grid_value(p1, 4u, j))), ((signs >> j) & 1u) != 0u); }
  for (var j = 0u; j < 4u; j = j + 1u) { put(sf_mul(db, sf_from_i32(grid_value(p2, 4u, j))), ((signs >> (j + 4u)) & 1u) != 0u); }
}

// d * (0.5 + s) * 0.25 (IQ2) or * 0.5 (IQ3_XXS), each product rounded.
fn half_step_scale(d: u32, s: u32, factor: u32) -> u32 {
  return sf_mul(sf_mul(d, sf_mul(sf_from_i32(i32(2u * s + 1u)), IQD_HALF)), factor);
}

// dl * (grid + delta) for the 8 values of IQ1 point p.
fn put_iq1(dl: u32, p: u32, negative_delta: bool) {
  let delta = select(IQD_DELTA, sf_neg(IQD_DELTA), negative_delta);
  for (var j = 0u; j < 8u; j = j + 1u) { put(sf_mul(dl, sf_add(sf_from_i32(grid_value(p, 8u, j)), delta)), false); }
}

fn dequant_block() {
  if (TYPE == IQD_IQ1_M) {
    let s0 = u16_at(48u);
    let s1 = u16_at(50u);
    let s2 = u16_at(52u);
    let s3 = u16_at(54u);
    let d = sf_from_f16((s0 >> 12u) | ((s1 >> 8u) & 0xf0u) | ((s2 >> 4u) & 0xf00u) | (s3 & 0xf000u));
    for (var ib = 0u; ib < 8u; ib = ib + 1u) {
      let s = u16_at(48u + 2u * (ib >> 1u)) >> (6u * (ib % 2u));
      let dl1 = sf_mul(d, sf_from_i32(i32(2u * (s & 7u) + 1u)));
      let dl2 = sf_mul(d, sf_from_i32(i32(2u * ((s >> 3u) & 7u) + 1u)));
      for (var l = 0u; l < 4u; l = l + 1u) {
        let qh = byte_at(32u + 2u * ib + (l >> 1u));
        let nibble = select(qh >> 4u, qh & 15u, l % 2u == 0u);
        put_iq1(select(dl2, dl1, l < 2u), byte_at(4u * ib + l) | ((nibble & 7u) << 8u), (nibble & 8u) != 0u);
      }
    }
    return;
  }
  let d = sf_from_f16(u16_at(0u));
  for (var ib = 0u; ib < 8u; ib = ib + 1u) {
    switch (TYPE) {
      case IQD_IQ2_XXS: {
        let w1 = u32_at(2u + 8u * ib + 4u);
        let db = half_step_scale(d, w1 >> 28u, IQD_QUARTER);
        for (var l = 0u; l < 4u; l = l + 1u) { put8(db, byte_at(2u + 8u * ib + l), signs8((w1 >> (7u * l)) & 127u)); }
      }
      case IQD_IQ2_XS: {
        let s = byte_at(66u + ib);
        let db0 = half_step_scale(d, s & 15u, IQD_QUARTER);
        let db1 = half_step_scale(d, s >> 4u, IQD_QUARTER);
        for (var l = 0u; l < 4u; l = l + 1u) {
          let code = u16_at(2u + 8u * ib + 2u * l);
          put8(select(db1, db0, l < 2u), code & 511u, signs8(code >> 9u));
        }
      }
      case IQD_IQ2_S: {
        let s = byte_at(74u + ib);
        let db0 = half_step_scale(d, s & 15u, IQD_QUARTER);
        let db1 = half_step_scale(d, s >> 4u, IQD_QUARTER);
        let qh = byte_at(66u + ib);
        for (var l = 0u; l < 4u; l = l + 1u) {
          let p = byte_at(2u + 4u * ib + l) | ((qh << (8u - 2u * l)) & 0x300u);
          put8(select(db1, db0, l < 2u), p, byte_at(34u + 4u * ib + l));
        }
      }
      case IQD_IQ3_XXS: {
        let w = u32_at(66u + 4u * ib);
        let db = half_step_scale(d, w >> 28u, IQD_HALF);
        for (var l = 0u; l < 4u; l = l + 1u) {
          put4x2(db, byte_at(2u + 8u * ib + 2u * l), byte_at(3u + 8u * ib + 2u * l), signs8((w >> (7u * l)) & 127u));
        }
      }
      case IQD_IQ3_S: {
        let s = byte_at(106u + (ib >> 1u));
        let code = select(s >> 4u, s & 15u, ib % 2u == 0u);
        let db = sf_mul(d, sf_from_i32(i32(1u + 2u * code)));
        let qh = byte_at(66u + ib);
        for (var l = 0u; l < 4u; l = l + 1u) {
          let p1 = byte_at(2u + 8u * ib + 2u * l) | ((qh << (8u - 2u * l)) & 256u);
          let p2 = byte_at(3u + 8u * ib + 2u * l) | ((qh << (7u - 2u * l)) & 256u);
          put4x2(db, p1, p2, byte_at(74u + 4u * ib + l));
        }
      }
      case IQD_IQ1_S, default: {
        let qh = u16_at(34u + 2u * ib);
        let dl = sf_mul(d, sf_from_i32(i32(2u * ((qh >> 12u) & 7u) + 1u)));
        for (var l = 0u; l < 4u; l = l + 1u) {
          put_iq1(dl, byte_at(2u + 4u * ib + l) | (((qh >> (3u * l)) & 7u) << 8u), (qh & 0x8000u) != 0u);
        }
      }
    }
  }
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let b = dequant_block_index(gid, groups);
  if (b >= dparams.blocks) { return; }
  blk = b * BLOCK_BYTES;
  y = b * 256u;
  dequant_block();
}
