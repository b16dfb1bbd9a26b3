// Q2_K: 256-element super-blocks {scales[16], qs[64], d, dmin}; sixteen 16-element groups with a
// 4-bit scale and a 4-bit min each. Without an imatrix: quantize_row_q2_K_ref (make_qkx2 with
// |x| weights and mean absolute error); with one: quantize_row_q2_K_impl (make_qkx3 with imatrix
// weights, then make_qp_quants for the scales and mins).
import { storeF16 } from './f16';
import { makeQkx3, qkx3Min } from './make-qkx3';
import { makeQp } from './make-qp';
import { requantizeGroup } from './lanes';
import { imatrixWeights, nearestInt, sumSquares } from './numerics';
import { LEVELS, LM, LS, MINS, SCALES, SUM_W, WEIGHTS } from './scratch';
import { packTwoBitLevels } from './two-bit';

export const Q2_K_BYTES = 84;
const QS = 16;
const D = 80;
const DMIN = 82;
const RMIN_REF: f32 = -0.5;
const RDELTA_REF: f32 = 0.1;
const RMIN_IM: f32 = -0.9;
const RDELTA_IM: f32 = 0.05;

/** The final levels from the stored (fp16) d, dmin and 4-bit codes; groups with d*sc = 0 keep theirs. */
function requantize(x: usize, o: usize, d: f32, dmin: f32): void {
  for (let j = 0; j < 16; j++) {
    const sc = <u32>load<u8>(o + j);
    const dl = d * <f32>(sc & 0xf);
    if (dl == 0) continue; // C tests !d: a NaN scale still requantizes
    requantizeGroup(x + (<usize>j << 6), 16, dl, dmin * <f32>(sc >> 4), 0, 3, 0, LEVELS + 16 * j);
  }
}

/** quantize_row_q2_K_ref on the block at x into o. */
export function q2KRef(x: usize, _qw: usize, o: usize): void {
  let maxScale: f32 = 0;
  let maxMin: f32 = 0;
  for (let j = 0; j < 16; j++) {
    const g = x + (<usize>j << 6);
    for (let l = 0; l < 16; l++) store<f32>(WEIGHTS + (<usize>l << 2), Mathf.abs(load<f32>(g + (<usize>l << 2))));
    const scale = makeQkx3(16, 3, g, WEIGHTS, LEVELS + 16 * j, RMIN_REF, RDELTA_REF, 15, true);
    const m = -qkx3Min;
    store<f32>(SCALES + (<usize>j << 2), scale);
    store<f32>(MINS + (<usize>j << 2), m);
    if (scale > maxScale) maxScale = scale;
    if (m > maxMin) maxMin = m;
  }
  if (maxScale > 0) {
    const iscale = <f32>15 / maxScale;
    for (let j = 0; j < 16; j++) store<u8>(o + j, <u8>nearestInt(iscale * load<f32>(SCALES + (<usize>j << 2))));
  } else {
    memory.fill(o, 0, 16);
  }
  const d = storeF16(o + D, maxScale > 0 ? maxScale / <f32>15 : 0);
  if (maxMin > 0) {
    const iscale = <f32>15 / maxMin;
    for (let j = 0; j < 16; j++) {
      const code = nearestInt(iscale * load<f32>(MINS + (<usize>j << 2)));
      store<u8>(o + j, <u8>(load<u8>(o + j) | (code << 4)));
    }
  }
  const dmin = storeF16(o + DMIN, maxMin > 0 ? maxMin / <f32>15 : 0);
  requantize(x, o, d, dmin);
  packTwoBitLevels(LEVELS, o + QS);
}

/** quantize_row_q2_K_impl on the block at x (importance weights at qw) into o. */
export function q2KWeighted(x: usize, qw: usize, o: usize): void {
  const sigma2 = sumSquares(x, 256) / <f32>256;
  for (let j = 0; j < 16; j++) {
    const g = x + (<usize>j << 6);
    const at = <usize>j << 2;
    store<f32>(SUM_W + at, imatrixWeights(WEIGHTS, g, qw + (<usize>j << 6), 16, sigma2));
    store<f32>(SCALES + at, makeQkx3(16, 3, g, WEIGHTS, LEVELS + 16 * j, RMIN_IM, RDELTA_IM, 36, false));
    store<f32>(MINS + at, -qkx3Min);
  }
  const dm = storeF16(o + D, makeQp(16, 15, SCALES, LS, SUM_W));
  const mm = storeF16(o + DMIN, makeQp(16, 15, MINS, LM, SUM_W));
  for (let j = 0; j < 16; j++) store<u8>(o + j, load<u8>(LS + j) | (load<u8>(LM + j) << 4));
  requantize(x, o, dm, mm);
  packTwoBitLevels(LEVELS, o + QS);
}
