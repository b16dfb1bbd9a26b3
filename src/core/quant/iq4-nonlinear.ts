// IQ4_NL {d, qs[16]} and IQ4_XS {d, u16 scales_h, scales_l[4], qs[128]}: 4-bit indices into the
// non-linear table kvalues_iq4nl, nibbles in the Q4_0 layout. Both run ggml's
// quantize_row_iq4_nl_impl with ntry = 7 (the quantize_iq4_* path; the _ref of IQ4_NL uses -1 and
// gives other bytes): IQ4_NL as one 32-element block, IQ4_XS as a 256-element super-block of eight
// with 6-bit block scales (stored +32). Weights are x² without an imatrix, qw·sqrt(σ²+x²) with one.
import { writeF16 } from './block-bytes.ts';
import { nearestInt } from './nearest-int.ts';
import { signedMaxOf } from './signed-max.ts';

const fround = Math.fround;
const GROUP_MAX_EPS = fround(1e-15);
const NTRY = 7;

export const KVALUES_IQ4NL: readonly number[] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
const K = Int8Array.from(KVALUES_IQ4NL);

/** best_index_int8: the nearest table entry by bisection; exact ties go to the upper entry. */
export function bestIndexIq4(x: number): number {
  if (x <= -127) return 0;
  if (x >= 113) return 15;
  let ml = 0;
  let mu = 15;
  while (mu - ml > 1) {
    const mav = (ml + mu) >> 1;
    if (x < K[mav]!) mu = mav;
    else ml = mav;
  }
  return fround(x - K[mu - 1]!) < fround(K[mu]! - x) ? mu - 1 : mu;
}

const weight = new Float32Array(32);
const levels = new Uint8Array(256);
const scales = new Float32Array(8);

/** The block scale search for xb = src[p..p+32), weights in `weight`; levels into levels[lOff..]. */
function searchBlockScale(src: Float32Array, p: number, lOff: number): number {
  const max = signedMaxOf(src, p, 32);
  if (Math.abs(max) < GROUP_MAX_EPS) return 0;
  let d = fround(-max / K[0]!);
  let id = fround(1 / d);
  let sumqx = 0;
  let sumq2 = 0;
  for (let j = 0; j < 32; j++) {
    const x = src[p + j]!;
    const l = bestIndexIq4(fround(id * x));
    levels[lOff + j] = l;
    const wq = fround(weight[j]! * K[l]!);
    sumqx = fround(sumqx + fround(wq * x));
    sumq2 = fround(sumq2 + fround(wq * K[l]!));
  }
  d = sumq2 > 0 ? fround(sumqx / sumq2) : 0;
  let best = fround(d * sumqx);
  for (let itry = -NTRY; itry <= NTRY; itry++) {
    id = fround((itry + K[0]!) / max);
    sumqx = 0;
    sumq2 = 0;
    for (let j = 0; j < 32; j++) {
      const x = src[p + j]!;
      const q = K[bestIndexIq4(fround(id * x))]!;
      const wq = fround(weight[j]! * q);
      sumqx = fround(sumqx + fround(wq * x));
      sumq2 = fround(sumq2 + fround(wq * q));
    }
    // Only the scale moves here: ggml keeps the levels of the first pass until the final one.
    if (sumq2 > 0 && fround(sumqx * sumqx) > fround(best * sumq2)) {
      d = fround(sumqx / sumq2);
      best = fround(d * sumqx);
    }
  }
  return d;
}

function fillWeights(src: Float32Array, p: number, qw: Float32Array | null, qOff: number, sigma2: number): void {
  for (let j = 0; j < 32; j++) {
    const v = src[p + j]!;
    const v2 = fround(v * v);
    weight[j] = qw ? fround(qw[qOff + j]! * fround(Math.sqrt(fround(sigma2 + v2)))) : v2;
  }
}

function sigma2Of(src: Float32Array, p: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s = fround(s + fround(src[p + j]! * src[p + j]!));
  return fround(s * fround(2 / n));
}

function packNibbles(dst: Uint8Array, qs: number, blocks: number): void {
  for (let i = 0; i < blocks; i++) {
    for (let j = 0; j < 16; j++) dst[qs + 16 * i + j] = levels[32 * i + j]! | (levels[32 * i + 16 + j]! << 4);
  }
}

/** quantize_iq4_nl: `qw` one weight per column, or null. */
export function quantizeIq4Nl(src: Float32Array, cols: number, qw: Float32Array | null, dst: Uint8Array): void {
  const nb = src.length / 32;
  const perRow = cols / 32;
  for (let b = 0; b < nb; b++) {
    const p = b * 32;
    fillWeights(src, p, qw, (b % perRow) * 32, sigma2Of(src, p, 32));
    const scale = searchBlockScale(src, p, 0);
    const o = b * 18;
    writeF16(dst, o, scale);
    const id = scale !== 0 ? fround(1 / scale) : 0;
    for (let j = 0; j < 32; j++) levels[j] = bestIndexIq4(fround(id * src[p + j]!));
    packNibbles(dst, o + 2, 1);
  }
}

/** quantize_iq4_xs: `qw` one weight per column, or null. */
export function quantizeIq4Xs(src: Float32Array, cols: number, qw: Float32Array | null, dst: Uint8Array): void {
  const nb = src.length / 256;
  const perRow = cols / 256;
  for (let b = 0; b < nb; b++) {
    const p = b * 256;
    const qOff = (b % perRow) * 256;
    const sigma2 = sigma2Of(src, p, 256);
    for (let ib = 0; ib < 8; ib++) {
      fillWeights(src, p + 32 * ib, qw, qOff + 32 * ib, sigma2);
      scales[ib] = searchBlockScale(src, p + 32 * ib, 32 * ib);
    }
    const maxScale = signedMaxOf(scales, 0, 8);
    const o = b * 136;
    // An all-zero super-block gives d = -0, stored as fp16 0x8000 as in ggml.
    const d = fround(-maxScale / 32);
    writeF16(dst, o, d);
    const id = d !== 0 ? fround(1 / d) : 0;
    let scalesH = 0;
    for (let ib = 0; ib < 8; ib++) {
      let l = nearestInt(fround(id * scales[ib]!));
      l = l < -32 ? -32 : l > 31 ? 31 : l;
      const dl = fround(d * l);
      const idl = dl !== 0 ? fround(1 / dl) : 0;
      for (let j = 0; j < 32; j++) levels[32 * ib + j] = bestIndexIq4(fround(idl * src[p + 32 * ib + j]!));
      l += 32;
      if (ib % 2 === 0) dst[o + 4 + (ib >> 1)] = l & 0xf;
      else dst[o + 4 + (ib >> 1)] |= (l & 0xf) << 4;
      scalesH |= (l >> 4) << (2 * ib);
    }
    dst[o + 2] = scalesH & 0xff;
    dst[o + 3] = scalesH >>> 8;
    packNibbles(dst, o + 8, 8);
  }
}
