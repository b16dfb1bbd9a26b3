// Q4_0, Q4_1, Q5_0, Q5_1 with importance weights: ggml's quantize_row_q{4,5}_{0,1}_impl.
// Per row σ² = Σx²/n_per_row over the whole row; per element w = qw*sqrt(σ² + x²); each 32-block
// then runs a scale search: make_qx_quants for the symmetric types, make_qkx3_quants for the
// asymmetric ones.
import { writeF16, writeU32 } from './block-bytes.ts';
import { makeQkx3Quants, makeQxQuants } from './make-quants.ts';

const fround = Math.fround;
const QK = 32;
const HALF = QK / 2;
const RMIN = fround(-0.9);
const RDELTA = fround(0.05);
const NSTEP = 36;

const weight = new Float32Array(QK);
const levels = new Uint8Array(QK);
const minOut = new Float32Array(1);

function rowSigma2(src: Float32Array, p: number, cols: number): number {
  let sumX2 = 0;
  for (let j = 0; j < cols; j++) {
    const v = src[p + j]!;
    sumX2 = fround(sumX2 + fround(v * v));
  }
  return fround(sumX2 / cols);
}

function fillWeights(src: Float32Array, p: number, qw: Float32Array, qwOff: number, sigma2: number): void {
  for (let j = 0; j < QK; j++) {
    const v = src[p + j]!;
    weight[j] = fround(qw[qwOff + j]! * fround(Math.sqrt(fround(sigma2 + fround(v * v)))));
  }
}

/** Packs levels[] into qs nibbles (element j low, j+16 high) and, for 5 bits, the qh word. */
function packLevels(dst: Uint8Array, qsOff: number, qhOff: number): void {
  let qh = 0;
  for (let j = 0; j < HALF; j++) {
    const l0 = levels[j]!;
    const l1 = levels[j + HALF]!;
    dst[qsOff + j] = (l0 & 0x0f) | ((l1 & 0x0f) << 4);
    qh |= (((l0 & 0x10) >>> 4) << j) | (((l1 & 0x10) >>> 4) << (j + HALF));
  }
  if (qhOff >= 0) writeU32(dst, qhOff, qh);
}

/**
 * Walks the QK-value blocks of every row of `cols`: fills `weight` for the block (the row's sigma2
 * and the imatrix of its columns) and hands quantizeBlock the block's source offset p and its
 * byte offset o in dst.
 */
function forEachWeightedBlock(
  src: Float32Array, cols: number, qw: Float32Array, blockBytes: number, quantizeBlock: (p: number, o: number) => void,
): void {
  const nb = cols / QK;
  const rows = src.length / cols;
  for (let r = 0; r < rows; r++) {
    const rowStart = r * cols;
    const sigma2 = rowSigma2(src, rowStart, cols);
    for (let ib = 0; ib < nb; ib++) {
      const p = rowStart + ib * QK;
      fillWeights(src, p, qw, ib * QK, sigma2);
      quantizeBlock(p, (r * nb + ib) * blockBytes);
    }
  }
}

function quantizeSymmetricWeighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array, bits: 4 | 5): void {
  const nmax = bits === 4 ? 8 : 16;
  forEachWeightedBlock(src, cols, qw, bits === 4 ? 18 : 22, (p, o) => {
    writeF16(dst, o, makeQxQuants(QK, nmax, src, p, levels, 0, weight, 0));
    if (bits === 4) packLevels(dst, o + 2, -1);
    else packLevels(dst, o + 6, o + 2);
  });
}

function quantizeAsymmetricWeighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array, bits: 4 | 5): void {
  const nmax = bits === 4 ? 15 : 31;
  forEachWeightedBlock(src, cols, qw, bits === 4 ? 20 : 24, (p, o) => {
    writeF16(dst, o, makeQkx3Quants(QK, nmax, src, p, weight, 0, levels, 0, minOut, RMIN, RDELTA, NSTEP, false));
    writeF16(dst, o + 2, -minOut[0]!);
    if (bits === 4) packLevels(dst, o + 4, -1);
    else packLevels(dst, o + 8, o + 4);
  });
}

export function quantizeQ4_0Weighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeSymmetricWeighted(src, cols, qw, dst, 4);
}

export function quantizeQ5_0Weighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeSymmetricWeighted(src, cols, qw, dst, 5);
}

export function quantizeQ4_1Weighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeAsymmetricWeighted(src, cols, qw, dst, 4);
}

export function quantizeQ5_1Weighted(src: Float32Array, cols: number, qw: Float32Array, dst: Uint8Array): void {
  quantizeAsymmetricWeighted(src, cols, qw, dst, 5);
}
