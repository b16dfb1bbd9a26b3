// Bindings shared by the dequantization kernels (dequant.wgsl, iq-dequant.wgsl): the blocks as
// bytes in u32 words in, float32 bit patterns out. The kernels add their own bindings after 2.

struct DequantParams {
  blocks: u32,   // blocks (or elements for F16/BF16) in this dispatch
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read> qsrc: array<u32>;
@group(0) @binding(1) var<storage, read_write> qdst: array<u32>;
@group(0) @binding(2) var<uniform> dparams: DequantParams;

override WG_SIZE: u32 = 64u;
override TYPE: u32 = 0u;          // which decoder: an id of the kernel's generated type list
override BLOCK_BYTES: u32 = 2u;

// The block this invocation decodes; dispatches wider than 65535 workgroups use y as well.
fn dequant_block_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * WG_SIZE;
}
