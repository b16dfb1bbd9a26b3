// Q3_K: 256-element super-blocks {hmask[32], qs[64], scales[12], d}; sixteen 16-element groups
// with signed 6-bit scales (stored +32) and 3-bit levels: the low two bits packed as in Q2_K,
// the third in hmask. Without an imatrix: quantize_row_q3_K_ref (make_q3_quants per group);
// with one: quantize_row_q3_K_impl (weighted make_qx_quants, then make_qx_quants over the scales).
import { storeF16 } from './f16';
import { makeQ3 } from './make-q3';
import { makeQx } from './make-qx';
import { requantizeGroup } from './lanes';
import { clampInt, imatrixWeights, nearestInt, signedMax, sumSquares } from './numerics';
import { LEVELS, LS, SCALES, SUM_W, WEIGHTS } from './scratch';
import { packTwoBitLevels } from './two-bit';

export const Q3_K_BYTES = 110;
const QS = 32;
const SC = 96;
const D = 108;

/** Stores the 6-bit code l (0..63) of group j: low nibble in bytes 0..7, high two bits in 8..11. */
function packScale(s: usize, j: i32, l: i32): void {
  if (j < 8) store<u8>(s + j, <u8>(l & 0xf));
  else store<u8>(s + j - 8, load<u8>(s + j - 8) | <u8>((l & 0xf) << 4));
  const at = s + 8 + (j & 3);
  store<u8>(at, load<u8>(at) | <u8>((l >> 4) << (2 * (j >> 2))));
}

function unpackScale(s: usize, j: i32): i32 {
  const low = j < 8 ? <i32>load<u8>(s + j) & 0xf : <i32>load<u8>(s + j - 8) >> 4;
  return (low | (((<i32>load<u8>(s + 8 + (j & 3)) >> (2 * (j >> 2))) & 3) << 4)) - 32;
}

/** Final levels from the stored scales and fp16 d, then the hmask bits and the 2-bit packing. */
function requantizeAndPack(x: usize, o: usize, dh: f32): void {
  for (let j = 0; j < 16; j++) {
    const d = dh * <f32>unpackScale(o + SC, j);
    if (d == 0) continue; // C tests !d: a NaN scale still requantizes
    requantizeGroup(x + (<usize>j << 6), 16, d, 0, -4, 3, 4, LEVELS + 16 * j);
  }
  memory.fill(o, 0, 32);
  for (let j = 0; j < 256; j++) {
    const l = load<u8>(LEVELS + j);
    if (l > 3) {
      const at = o + (j & 31);
      store<u8>(at, <u8>(<i32>load<u8>(at) | (1 << (j >> 5))));
      store<u8>(LEVELS + j, l - 4);
    }
  }
  packTwoBitLevels(LEVELS, o + QS);
}

/** quantize_row_q3_K_ref on the block at x into o. */
export function q3KRef(x: usize, _qw: usize, o: usize): void {
  for (let j = 0; j < 16; j++) store<f32>(SCALES + (<usize>j << 2), makeQ3(16, 4, x + (<usize>j << 6), LEVELS + 16 * j));
  const maxScale = signedMax(SCALES, 16);
  memory.fill(o + SC, 0, 12);
  let d: f32 = 0;
  if (maxScale != 0) {
    const iscale = <f32>-32 / maxScale;
    for (let j = 0; j < 16; j++) {
      const l = <i32><i8>nearestInt(iscale * load<f32>(SCALES + (<usize>j << 2))); // C stores it in an int8_t
      packScale(o + SC, j, clampInt(l, -32, 31) + 32);
    }
    d = <f32>1 / iscale;
  }
  requantizeAndPack(x, o, storeF16(o + D, d));
}

/** quantize_row_q3_K_impl on the block at x (importance weights at qw) into o. */
export function q3KWeighted(x: usize, qw: usize, o: usize): void {
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  for (let j = 0; j < 16; j++) {
    const g = x + (<usize>j << 6);
    const at = <usize>j << 2;
    store<f32>(SUM_W + at, imatrixWeights(WEIGHTS, g, qw + (<usize>j << 6), 16, sigma2));
    store<f32>(SCALES + at, makeQx(16, 4, g, WEIGHTS, LEVELS + 16 * j));
  }
  memory.fill(o + SC, 0, 12);
  const dBlock = makeQx(16, 32, SCALES, SUM_W, LS);
  for (let j = 0; j < 16; j++) packScale(o + SC, j, <i32>load<u8>(LS + j));
  requantizeAndPack(x, o, storeF16(o + D, dBlock));
}
