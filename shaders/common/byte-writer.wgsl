// Blocks of 18, 22 or 34 bytes do not start on 4-byte boundaries, so an invocation assembles a
// group of whole blocks (a multiple of 4 bytes) in private words and then owns those output
// words outright: no atomics, no read-modify-write races between invocations.
//! include common/quant-bindings.wgsl

// The kernel file declares OUT_WORDS_MAX: the words of its largest group.
var<private> out_words: array<u32, OUT_WORDS_MAX>;

fn out_clear() {
  for (var i = 0u; i < OUT_WORDS_MAX; i = i + 1u) { out_words[i] = 0u; }
}

fn out_put_byte(pos: u32, value: u32) {
  out_words[pos >> 2u] = out_words[pos >> 2u] | ((value & 0xffu) << ((pos & 3u) * 8u));
}

fn out_put_u16(pos: u32, value: u32) {
  out_put_byte(pos, value);
  out_put_byte(pos + 1u, value >> 8u);
}

fn out_put_u32(pos: u32, value: u32) {
  out_put_u16(pos, value);
  out_put_u16(pos + 2u, value >> 16u);
}

// Entry point of the block kernels. The kernel file provides BLOCK_BYTES, GROUP_BLOCKS (blocks
// per invocation, GROUP_BLOCKS * BLOCK_BYTES a multiple of 4) and quantize_block(block, pos),
// which writes one block's bytes at `pos` of out_words. A last group may be partial: its words
// past the tensor's end land in the padding of dst.
@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let group = unit_index(gid, groups);
  if (group >= params.units) { return; }
  out_clear();
  let first = group * GROUP_BLOCKS;
  let count = min(GROUP_BLOCKS, params.items - first);
  for (var k = 0u; k < count; k = k + 1u) { quantize_block(first + k, k * BLOCK_BYTES); }
  let base = group * (GROUP_BLOCKS * BLOCK_BYTES / 4u);
  let words = (count * BLOCK_BYTES + 3u) / 4u;
  for (var i = 0u; i < words; i = i + 1u) { dst[base + i] = out_words[i]; }
}
