// Test kernel: applies one softfloat operation (OP) to each (a, b) pair of bit patterns.
//! include common/softfloat.wgsl
override OP: u32 = 0u;

@group(0) @binding(0) var<storage, read> operands: array<u32>;
@group(0) @binding(1) var<storage, read_write> results: array<u32>;

fn apply(a: u32, b: u32) -> u32 {
  switch (OP) {
    case 0u: { return sf_add(a, b); }
    case 1u: { return sf_sub(a, b); }
    case 2u: { return sf_mul(a, b); }
    case 3u: { return sf_div(a, b); }
    case 4u: { return sf_sqrt(a); }
    case 5u: { return sf_to_f16(a); }
    case 6u: { return sf_to_bf16(a); }
    case 7u: { return u32(sf_nearest_int(a)); }
    case 8u: { return u32(sf_roundf_i32(a)); }
    case 9u: { return u32(sf_trunc_i32(a)); }
    case 10u: { return select(0u, 1u, sf_lt(a, b)) | select(0u, 2u, sf_eq(a, b)) | select(0u, 4u, sf_le(a, b)); }
    case 11u: { return sf_from_i32(bitcast<i32>(a)); }
    default: { return 0xdeadbeefu; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&results)) { return; }
  results[i] = apply(operands[2u * i], operands[2u * i + 1u]);
}
