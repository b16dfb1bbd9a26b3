// Blocks of 18, 22 or 34 bytes do not start on 4-byte boundaries, so an invocation assembles a
// group of whole blocks (a multiple of 4 bytes) in private words and then owns those output
// words outright: no atomics, no read-modify-write races between invocations.

const OUT_WORDS_MAX: u32 = 17u; // two q8_0 blocks, the largest group

var<private> out_words: array<u32, 17>;

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
