// The i-quant lattices, expanded from the packed point lists in iq-grid-data.ts on first use.
// A lattice point is stored as its coordinate levels l (0..3 or 0..7); ggml's search works on the
// odd values 2l+1 and each type's decoder maps l to its own value table (LEVEL_VALUES below).
import {
  IQ1S_KGRID, IQ2S_KGRID, IQ2XS_KGRID, IQ2XXS_KGRID, IQ3S_KGRID, IQ3XXS_KGRID,
} from './iq-grid-data.ts';

export type IqGridName = 'iq2xxs' | 'iq2xs' | 'iq2s' | 'iq1s' | 'iq3xxs' | 'iq3s';

export interface IqGrid {
  readonly name: IqGridName;
  /** Coordinates per point: 8 (IQ2_*, IQ1_*) or 4 (IQ3_*). */
  readonly dim: number;
  /** Bits per coordinate in a packed point index: 2 or 3. */
  readonly bits: number;
  readonly size: number;
  /** size*dim coordinate levels, point-major. */
  readonly levels: Uint8Array;
  /** The packed index (level k at bits k*bits) of every point, as in the published lists. */
  readonly packed: Uint16Array;
}

const SOURCES: Record<IqGridName, { data: string; dim: number; bits: number }> = {
  iq2xxs: { data: IQ2XXS_KGRID, dim: 8, bits: 2 },
  iq2xs: { data: IQ2XS_KGRID, dim: 8, bits: 2 },
  iq2s: { data: IQ2S_KGRID, dim: 8, bits: 2 },
  iq1s: { data: IQ1S_KGRID, dim: 8, bits: 2 },
  iq3xxs: { data: IQ3XXS_KGRID, dim: 4, bits: 3 },
  iq3s: { data: IQ3S_KGRID, dim: 4, bits: 3 },
};

/**
 * The value each decoder gives a coordinate level (before the scale and sign). These are the
 * bytes of ggml's iq*_grid tables: IQ2 grids use {8, 25, 43}, IQ3_XXS 4..52 in steps of 8 then 62,
 * IQ3_S the odd numbers 1..15, IQ1 grids {-1, 0, 1}.
 */
export const LEVEL_VALUES: Record<IqGridName, Int8Array> = {
  iq2xxs: Int8Array.of(8, 25, 43),
  iq2xs: Int8Array.of(8, 25, 43),
  iq2s: Int8Array.of(8, 25, 43),
  iq1s: Int8Array.of(-1, 0, 1),
  iq3xxs: Int8Array.of(4, 12, 20, 28, 36, 44, 52, 62),
  iq3s: Int8Array.of(1, 3, 5, 7, 9, 11, 13, 15),
};

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes base64 (no padding inside, '=' allowed at the end) to bytes; core code has no Buffer/atob. */
function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0;
  let nbits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64.indexOf(clean[i]!);
    if (v < 0) throw new Error(`iq-grid-data: invalid base64 character '${clean[i]}' at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out[o++] = (acc >>> nbits) & 0xff;
    }
  }
  return out;
}

const cache = new Map<IqGridName, IqGrid>();

export function iqGrid(name: IqGridName): IqGrid {
  const hit = cache.get(name);
  if (hit) return hit;
  const { data, dim, bits } = SOURCES[name];
  const bytes = decodeBase64(data);
  const size = bytes.length / 2;
  const packed = new Uint16Array(size);
  const levels = new Uint8Array(size * dim);
  const mask = (1 << bits) - 1;
  for (let p = 0; p < size; p++) {
    const word = bytes[2 * p]! | (bytes[2 * p + 1]! << 8);
    packed[p] = word;
    for (let k = 0; k < dim; k++) levels[p * dim + k] = (word >>> (bits * k)) & mask;
  }
  const grid: IqGrid = { name, dim, bits, size, levels, packed };
  cache.set(name, grid);
  return grid;
}

/** Decoder table: value of coordinate k of point p at [p*dim + k]. */
const valueCache = new Map<IqGridName, Int8Array>();

export function iqGridValues(name: IqGridName): Int8Array {
  const hit = valueCache.get(name);
  if (hit) return hit;
  const { levels } = iqGrid(name);
  const map = LEVEL_VALUES[name];
  const values = new Int8Array(levels.length);
  for (let i = 0; i < levels.length; i++) values[i] = map[levels[i]!]!;
  valueCache.set(name, values);
  return values;
}

/**
 * ksigns_iq2xs: a 7-bit sign pattern completed with an 8th sign bit that makes the count of
 * negative signs even (the quantizers flip one value to guarantee that parity).
 */
export function iqSignByte(sevenBits: number): number {
  let parity = 0;
  for (let b = sevenBits; b !== 0; b >>>= 1) parity ^= b & 1;
  return sevenBits | (parity << 7);
}
