// The 2-bit level packing Q2_K and Q3_K share.

/** Byte 32h+l holds elements 128h+l, +32, +64, +96 of L (low bits first). */
export function packTwoBitLevels(L: usize, dst: usize): void {
  for (let j = 0; j < 256; j += 128) {
    for (let l = 0; l < 32; l++) {
      const at = L + j + l;
      const b = load<u8>(at) | (load<u8>(at + 32) << 2) | (load<u8>(at + 64) << 4) | (load<u8>(at + 96) << 6);
      store<u8>(dst + (j >> 2) + l, <u8>b);
    }
  }
}
