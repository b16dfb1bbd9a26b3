// Bindings shared by every block-quantization kernel (one pipeline layout for all of them).
// Inputs are read as u32 bit patterns, never as f32, so no load can flush a subnormal.
//! include common/softfloat.wgsl

struct QuantParams {
  cols: u32,   // elements per row, a multiple of 32
  rows: u32,   // rows in this chunk
  items: u32,  // blocks (or elements for the float types) in this chunk
  units: u32,  // invocations with work: block groups, or output words
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> importance: array<u32>; // imatrix, one per column
@group(0) @binding(2) var<storage, read> row_sigma2: array<u32>; // from row-sigma.wgsl
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;
@group(0) @binding(4) var<uniform> params: QuantParams;

override WG_SIZE: u32 = 64u;

// Dispatches wider than 65535 workgroups use y as well.
fn unit_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * WG_SIZE;
}

const QK: u32 = 32u;
var<private> xb: array<u32, 32>;   // the block's values (f32 bits)
var<private> wb: array<u32, 32>;   // importance weights of the block (f32 bits)
var<private> L: array<u32, 32>;    // chosen levels
var<private> Laux: array<u32, 32>; // candidate levels

fn load_block(block: u32) {
  for (var j = 0u; j < QK; j = j + 1u) { xb[j] = src[block * QK + j]; }
}

// ggml's weights for q4_0..q5_1 with an imatrix: qw[j] * sqrtf(sigma2 + x[j]*x[j]), where
// sigma2 is the row's mean square (a first pass) and qw the imatrix entry of the column.
fn load_importance_weights(block: u32) {
  let blocks_per_row = params.cols / QK;
  let sigma2 = row_sigma2[block / blocks_per_row];
  let col0 = (block % blocks_per_row) * QK;
  for (var j = 0u; j < QK; j = j + 1u) {
    wb[j] = sf_mul(importance[col0 + j], sf_sqrt(sf_add(sigma2, sf_mul(xb[j], xb[j]))));
  }
}

// C's conversions of a float to int8_t / uint8_t on x86: truncate to int32, keep the low byte.
fn c_int8(t: i32) -> i32 { return ((t & 0xff) ^ 0x80) - 0x80; }
fn c_uint8(t: i32) -> i32 { return t & 0xff; }
