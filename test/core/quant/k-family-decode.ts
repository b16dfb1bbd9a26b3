// Direct readings of one block of each type from the layouts in llama-cpp-notes.md §2, written
// independently of src/core/quant: each inverts the packing rules as stated there (element by
// element, through a bit reader), then applies ggml's float32 value formula.

const fr = Math.fround;

/** IEEE half from its two bytes, by the formula (doubles; every half is exact in them). */
export function half(b: Uint8Array, at: number): number {
  const h = b[at]! + 256 * b[at + 1]!;
  const sign = h >= 0x8000 ? -1 : 1;
  const e = Math.floor(h / 1024) % 32;
  const m = h % 1024;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** `width` bits of byte b[at] starting at bit `from` (0 = least significant). */
function bits(b: Uint8Array, at: number, from: number, width: number): number {
  return Math.floor(b[at]! / 2 ** from) % 2 ** width;
}

function q2Layout(b: Uint8Array, qsAt: number, i: number): number {
  // qs[32h+l] = L[128h+l] | L[+32]<<2 | L[+64]<<4 | L[+96]<<6
  const h = Math.floor(i / 128);
  const r = i - 128 * h;
  return bits(b, qsAt + 32 * h + (r % 32), 2 * Math.floor(r / 32), 2);
}

export function decodeQ2_K(b: Uint8Array): number[] {
  const d = half(b, 80);
  const dmin = half(b, 82);
  const out: number[] = [];
  for (let i = 0; i < 256; i++) {
    const s = Math.floor(i / 16);
    const sc = bits(b, s, 0, 4);
    const m = bits(b, s, 4, 4);
    out.push(fr(fr(fr(d * sc) * q2Layout(b, 16, i)) - fr(dmin * m)));
  }
  return out;
}

export function decodeQ3_K(b: Uint8Array): number[] {
  const d = half(b, 108);
  const out: number[] = [];
  for (let i = 0; i < 256; i++) {
    const j = Math.floor(i / 16);
    const low = j < 8 ? bits(b, 96 + j, 0, 4) : bits(b, 96 + j - 8, 4, 4);
    const high = bits(b, 96 + 8 + (j % 4), 2 * Math.floor(j / 4), 2);
    const sc = low + 16 * high - 32;
    const hbit = bits(b, i % 32, Math.floor(i / 32), 1);
    out.push(fr(fr(d * sc) * (q2Layout(b, 32, i) - (hbit ? 0 : 4))));
  }
  return out;
}

/** The 6-bit (sc, m) pair of group j of Q4_K/Q5_K, from the notes' packing rules. */
function scaleMin(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [bits(b, s + j, 0, 6), bits(b, s + j + 4, 0, 6)];
  return [
    bits(b, s + j + 4, 0, 4) + 16 * bits(b, s + j - 4, 6, 2),
    bits(b, s + j + 4, 4, 4) + 16 * bits(b, s + j, 6, 2),
  ];
}

function decodeQ45(b: Uint8Array, five: boolean): number[] {
  const d = half(b, 0);
  const dmin = half(b, 2);
  const qsAt = five ? 48 : 16;
  const out: number[] = [];
  for (let i = 0; i < 256; i++) {
    const g = Math.floor(i / 64);
    const upper = i % 64 >= 32 ? 1 : 0;
    const l = i % 32;
    let q = bits(b, qsAt + 32 * g + l, 4 * upper, 4);
    if (five) q += 16 * bits(b, 16 + l, 2 * g + upper, 1);
    const [sc, m] = scaleMin(b, 4, Math.floor(i / 32));
    out.push(fr(fr(fr(d * sc) * q) - fr(dmin * m)));
  }
  return out;
}

export const decodeQ4_K = (b: Uint8Array): number[] => decodeQ45(b, false);
export const decodeQ5_K = (b: Uint8Array): number[] => decodeQ45(b, true);

export function decodeQ6_K(b: Uint8Array): number[] {
  const d = half(b, 208);
  const L = new Array<number>(256);
  for (let h = 0; h < 2; h++) {
    for (let l = 0; l < 32; l++) {
      const ql0 = 64 * h + l;
      const qh = 128 + 32 * h + l;
      L[128 * h + l] = bits(b, ql0, 0, 4) + 16 * bits(b, qh, 0, 2);
      L[128 * h + l + 32] = bits(b, ql0 + 32, 0, 4) + 16 * bits(b, qh, 2, 2);
      L[128 * h + l + 64] = bits(b, ql0, 4, 4) + 16 * bits(b, qh, 4, 2);
      L[128 * h + l + 96] = bits(b, ql0 + 32, 4, 4) + 16 * bits(b, qh, 6, 2);
    }
  }
  return L.map((q, i) => {
    const raw = b[192 + Math.floor(i / 16)]!;
    const sc = raw >= 128 ? raw - 256 : raw;
    return fr(fr(d * sc) * (q - 32));
  });
}

const IQ4NL = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
const FP4 = [0, 0.5, 1, 1.5, 2, 3, 4, 6]; // E2M1 magnitudes

/** q4_0 nibble layout: element j<16 low nibble of qs[j], j>=16 high nibble of qs[j-16]. */
function nibble(b: Uint8Array, qsAt: number, j: number): number {
  return j < 16 ? bits(b, qsAt + j, 0, 4) : bits(b, qsAt + j - 16, 4, 4);
}

export function decodeIq4Nl(b: Uint8Array): number[] {
  const d = half(b, 0);
  return Array.from({ length: 32 }, (_, j) => fr(d * IQ4NL[nibble(b, 2, j)]!));
}

export function decodeIq4Xs(b: Uint8Array): number[] {
  const d = half(b, 0);
  const scalesH = b[2]! + 256 * b[3]!;
  const out: number[] = [];
  for (let ib = 0; ib < 8; ib++) {
    const ls = bits(b, 4 + Math.floor(ib / 2), 4 * (ib % 2), 4) + 16 * (Math.floor(scalesH / 4 ** ib) % 4);
    for (let j = 0; j < 32; j++) out.push(fr(fr(d * (ls - 32)) * IQ4NL[nibble(b, 8 + 16 * ib, j)]!));
  }
  return out;
}

/** The base-3 digits of TQ1_0 byte v: digit k (most significant first) of round-down(v*3^n/256). */
function trits(v: number, n: number): number[] {
  // The stored byte is ceil(q*256/243) for the n-trit number q (padded to 5 trits): recover q.
  const q = Math.floor((v * 243) / 256);
  const digits: number[] = [];
  for (let k = 4; k >= 0; k--) digits.push(Math.floor(q / 3 ** k) % 3);
  return digits.slice(0, n);
}

export function decodeTq1_0(b: Uint8Array): number[] {
  const d = half(b, 52);
  const out = new Array<number>(256);
  for (let m = 0; m < 32; m++) trits(b[m]!, 5).forEach((t, n) => { out[m + 32 * n] = t - 1; });
  for (let m = 0; m < 16; m++) trits(b[32 + m]!, 5).forEach((t, n) => { out[160 + m + 16 * n] = t - 1; });
  for (let j = 0; j < 4; j++) trits(b[48 + j]!, 4).forEach((t, n) => { out[240 + j + 4 * n] = t - 1; });
  return out.map((t) => fr(t * d));
}

export function decodeTq2_0(b: Uint8Array): number[] {
  const d = half(b, 64);
  const out = new Array<number>(256);
  for (let j = 0; j < 2; j++) {
    for (let m = 0; m < 32; m++) {
      for (let n = 0; n < 4; n++) out[128 * j + m + 32 * n] = fr((bits(b, 32 * j + m, 2 * n, 2) - 1) * d);
    }
  }
  return out;
}

export function decodeMxfp4(b: Uint8Array): number[] {
  // E8M0 scale 2^(e-127); ggml's d is half of it and its table doubles E2M1: the product is the same.
  const scale = 2 ** (b[0]! - 127);
  return Array.from({ length: 32 }, (_, j) => {
    const code = nibble(b, 1, j);
    const mag = FP4[code % 8]!;
    return fr((code >= 8 ? -mag : mag) * scale);
  });
}
