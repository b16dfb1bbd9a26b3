// F16 (ggml_fp32_to_fp16_row, RNE) and BF16 (ggml_fp32_to_bf16_row_ref): two elements per
// output word, one word per invocation.
//! include common/quant-bindings.wgsl
override BF16: bool = false;

fn convert(bits: u32) -> u32 {
  if (BF16) { return sf_to_bf16(bits); }
  return sf_to_f16(bits);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let word = unit_index(gid, groups);
  if (word >= params.units) { return; }
  let i = 2u * word;
  var packed = convert(src[i]) & 0xffffu;
  if (i + 1u < params.items) { packed = packed | (convert(src[i + 1u]) << 16u); }
  dst[word] = packed;
}
