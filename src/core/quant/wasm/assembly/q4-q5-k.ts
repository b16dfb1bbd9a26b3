// Q4_K {d, dmin, scales[12], qs[128]} and Q5_K {d, dmin, scales[12], qh[32], qs[128]}: 256-element
// super-blocks of eight 32-element groups, each with a 6-bit scale and a 6-bit min. Without an
// imatrix: quantize_row_q{4,5}_K_ref (make_qkx2 with weights av+|x|, scales rescaled to 63); with
// one: quantize_row_q{4,5}_K_impl (make_qkx3 with imatrix weights, then make_qp_quants).
import { storeF16 } from './f16';
import { makeQkx3, qkx3Min } from './make-qkx3';
import { makeQp } from './make-qp';
import { requantizeGroup } from './lanes';
import { imatrixWeights, nearestInt, sumSquares } from './numerics';
import { LEVELS, LM, LS, MINS, SCALES, SUM_W, WEIGHTS } from './scratch';

export const Q4_K_BYTES = 144;
export const Q5_K_BYTES = 176;
const SC = 4;
const RMIN_IM: f32 = -0.9;
const RDELTA_IM: f32 = 0.05;

/** Stores the (scale, min) codes of group j; bytes truncate to 8 bits as C's uint8_t stores do. */
function packScaleMin(s: usize, j: i32, ls: i32, lm: i32): void {
  if (j < 4) {
    store<u8>(s + j, <u8>ls);
    store<u8>(s + j + 4, <u8>lm);
  } else {
    store<u8>(s + j + 4, <u8>((ls & 0xf) | ((lm & 0xf) << 4)));
    store<u8>(s + j - 4, load<u8>(s + j - 4) | <u8>((ls >> 4) << 6));
    store<u8>(s + j, load<u8>(s + j) | <u8>((lm >> 4) << 6));
  }
}

/** get_scale_min_k4: the scale code in the low 8 bits of the result, the min code above. */
function unpackScaleMin(s: usize, j: i32): i32 {
  if (j < 4) return (<i32>load<u8>(s + j) & 63) | ((<i32>load<u8>(s + j + 4) & 63) << 8);
  const sc = (<i32>load<u8>(s + j + 4) & 0xf) | ((<i32>load<u8>(s + j - 4) >> 6) << 4);
  const m = (<i32>load<u8>(s + j + 4) >> 4) | ((<i32>load<u8>(s + j) >> 6) << 4);
  return sc | (m << 8);
}

/** The final pass from the stored codes and fp16 d/dmin, then the level packing. */
function requantizeAndPack(nmax: i32, x: usize, o: usize, dh: f32, dminh: f32): void {
  for (let j = 0; j < 8; j++) {
    const sm = unpackScaleMin(o + SC, j);
    const d = dh * <f32>(sm & 0xff);
    if (d == 0) continue; // C tests !d: a NaN scale still requantizes
    requantizeGroup(x + (<usize>j << 7), 32, d, dminh * <f32>(sm >> 8), 0, nmax, 0, LEVELS + 32 * j);
  }
  if (nmax == 15) {
    const qs = o + 16;
    for (let g = 0; g < 4; g++) {
      for (let l = 0; l < 32; l++) {
        const at = LEVELS + 64 * g + l;
        store<u8>(qs + 32 * g + l, load<u8>(at) | (load<u8>(at + 32) << 4));
      }
    }
    return;
  }
  const qh = o + 16;
  const qs = o + 48;
  memory.fill(qh, 0, 32);
  for (let g = 0; g < 4; g++) {
    for (let l = 0; l < 32; l++) {
      const at = LEVELS + 64 * g + l;
      const l1 = <i32>load<u8>(at);
      const l2 = <i32>load<u8>(at + 32);
      store<u8>(qh + l, load<u8>(qh + l) | <u8>(((l1 >> 4) << (2 * g)) | ((l2 >> 4) << (2 * g + 1))));
      store<u8>(qs + 32 * g + l, <u8>((l1 & 0xf) | ((l2 & 0xf) << 4)));
    }
  }
}

function blockRef(nmax: i32, rmin: f32, rdelta: f32, nstep: i32, x: usize, o: usize): void {
  let maxScale: f32 = 0;
  let maxMin: f32 = 0;
  for (let j = 0; j < 8; j++) {
    const g = x + (<usize>j << 7);
    const avX = Mathf.sqrt(sumSquares(g, 32) / <f32>32);
    for (let l = 0; l < 32; l++) {
      const at = <usize>l << 2;
      store<f32>(WEIGHTS + at, avX + Mathf.abs(load<f32>(g + at)));
    }
    const scale = makeQkx3(32, nmax, g, WEIGHTS, LEVELS + 32 * j, rmin, rdelta, nstep, false);
    const m = -qkx3Min;
    store<f32>(SCALES + (<usize>j << 2), scale);
    store<f32>(MINS + (<usize>j << 2), m);
    if (scale > maxScale) maxScale = scale;
    if (m > maxMin) maxMin = m;
  }
  const invScale: f32 = maxScale > 0 ? <f32>63 / maxScale : 0;
  const invMin: f32 = maxMin > 0 ? <f32>63 / maxMin : 0;
  for (let j = 0; j < 8; j++) {
    const ls = min(63, nearestInt(invScale * load<f32>(SCALES + (<usize>j << 2))) & 0xff);
    const lm = min(63, nearestInt(invMin * load<f32>(MINS + (<usize>j << 2))) & 0xff);
    packScaleMin(o + SC, j, ls, lm);
  }
  const d = storeF16(o, maxScale / <f32>63);
  const dmin = storeF16(o + 2, maxMin / <f32>63);
  requantizeAndPack(nmax, x, o, d, dmin);
}

/** quantize_row_q{4,5}_K_impl; Q5_K clamps the make_qp_quants codes to 63, Q4_K does not. */
function blockWeighted(nmax: i32, clampCodes: bool, x: usize, qw: usize, o: usize): void {
  const sigma2 = <f32>2 * sumSquares(x, 256) / <f32>256;
  for (let j = 0; j < 8; j++) {
    const g = x + (<usize>j << 7);
    const at = <usize>j << 2;
    store<f32>(SUM_W + at, imatrixWeights(WEIGHTS, g, qw + (<usize>j << 7), 32, sigma2));
    store<f32>(SCALES + at, makeQkx3(32, nmax, g, WEIGHTS, LEVELS + 32 * j, RMIN_IM, RDELTA_IM, 36, false));
    store<f32>(MINS + at, -qkx3Min);
  }
  const dBlock = makeQp(8, 63, SCALES, LS, SUM_W);
  const mBlock = makeQp(8, 63, MINS, LM, SUM_W);
  for (let j = 0; j < 8; j++) {
    const ls = <i32>load<u8>(LS + j);
    const lm = <i32>load<u8>(LM + j);
    packScaleMin(o + SC, j, clampCodes ? min(63, ls) : ls, clampCodes ? min(63, lm) : lm);
  }
  const d = storeF16(o, dBlock);
  const dmin = storeF16(o + 2, mBlock);
  requantizeAndPack(nmax, x, o, d, dmin);
}

export function q4KRef(x: usize, _qw: usize, o: usize): void {
  blockRef(15, -1, 0.1, 20, x, o);
}

export function q5KRef(x: usize, _qw: usize, o: usize): void {
  blockRef(31, -0.5, 0.1, 15, x, o);
}

export function q4KWeighted(x: usize, qw: usize, o: usize): void {
  blockWeighted(15, false, x, qw, o);
}

export function q5KWeighted(x: usize, qw: usize, o: usize): void {
  blockWeighted(31, true, x, qw, o);
}
