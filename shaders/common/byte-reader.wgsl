// Little-endian reads from the current block of qsrc: blocks of 18, 22, 34 ... bytes do not start
// on 4-byte boundaries, so fields are assembled byte by byte from the words that hold them.
//! include common/dequant-bindings.wgsl
//! include common/float16.wgsl

var<private> blk: u32; // byte offset of the current block

fn byte_at(o: u32) -> u32 {
  let p = blk + o;
  return (qsrc[p >> 2u] >> ((p & 3u) * 8u)) & 0xffu;
}
fn u16_at(o: u32) -> u32 { return byte_at(o) | (byte_at(o + 1u) << 8u); }
fn u32_at(o: u32) -> u32 { return u16_at(o) | (u16_at(o + 2u) << 16u); }
fn f16_at(o: u32) -> u32 { return sf_from_f16(u16_at(o)); }
